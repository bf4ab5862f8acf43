#include <list>
#include <mutex>
#include <unordered_map>

#include <exprvm/exprvm.hpp>

namespace exprvm {
namespace {

std::size_t mix(std::size_t h, std::size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }

std::size_t key_hash(std::string_view source, const Signature& sig, const CompileOptions& o) {
  std::size_t h = std::hash<std::string_view>{}(source);
  for (const Param& p : sig) {
    h = mix(h, std::hash<std::string_view>{}(p.name));
    h = mix(h, static_cast<std::size_t>(p.dtype) | (p.scalar << 8) | (p.weak << 9));
  }
  return mix(h, static_cast<std::size_t>(o.casting) | (o.optimize << 8) | (o.allow_fma << 9));
}

struct Entry {
  std::size_t hash;
  std::string source;
  Signature signature;
  CompileOptions options;
  Program program;
};

}  // namespace

struct ProgramCache::State {
  std::size_t capacity;
  mutable std::mutex mutex;
  std::list<Entry> lru;  // most recent first
  std::unordered_multimap<std::size_t, std::list<Entry>::iterator> index;
  std::size_t hits = 0, misses = 0;
};

ProgramCache::ProgramCache(std::size_t capacity) : state_(std::make_unique<State>()) {
  state_->capacity = std::max<std::size_t>(capacity, 1);
}
ProgramCache::~ProgramCache() = default;

Program ProgramCache::get(std::string_view source, const Signature& signature,
                          const CompileOptions& options) {
  const std::size_t h = key_hash(source, signature, options);
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto [lo, hi] = s.index.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      Entry& e = *it->second;
      if (e.source == source && e.signature == signature && e.options == options) {
        s.lru.splice(s.lru.begin(), s.lru, it->second);
        ++s.hits;
        return e.program;
      }
    }
    ++s.misses;
  }
  // Compile outside the lock; a concurrent miss on the same key compiles twice, harmlessly.
  Program program = compile(source, signature, options);
  std::lock_guard<std::mutex> lock(s.mutex);
  s.lru.push_front({h, std::string(source), signature, options, program});
  s.index.emplace(h, s.lru.begin());
  while (s.lru.size() > s.capacity) {
    auto last = std::prev(s.lru.end());
    auto [lo, hi] = s.index.equal_range(last->hash);
    for (auto it = lo; it != hi; ++it)
      if (it->second == last) {
        s.index.erase(it);
        break;
      }
    s.lru.pop_back();
  }
  return program;
}

std::size_t ProgramCache::size() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->lru.size();
}
std::size_t ProgramCache::hits() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->hits;
}
std::size_t ProgramCache::misses() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->misses;
}
void ProgramCache::clear() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->lru.clear();
  state_->index.clear();
}

ProgramCache& global_cache() {
  static ProgramCache cache(512);
  return cache;
}

namespace {

// The cached program for `source` on `arrays`; fills `args` with their views.
Program cached_program(std::string_view source, std::span<const NamedArray> arrays,
                       const CompileOptions& options, std::vector<Array>& args) {
  thread_local Signature signature;
  signature.resize(arrays.size());
  args.clear();
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const NamedArray& a = arrays[i];
    Param& p = signature[i];
    p.name.assign(a.name);
    p.dtype = a.array.dtype;
    p.scalar = a.scalar || a.array.ndim == 0;
    p.weak = a.weak;
    args.push_back(a.array);
  }
  return global_cache().get(source, signature, options);
}

}  // namespace

OwnedArray evaluate(std::string_view source, std::span<const NamedArray> arrays, const Array* out,
                    const CompileOptions& options) {
  thread_local std::vector<Array> args;
  const Program program = cached_program(source, arrays, options, args);
  return program.run(args, out);
}

OwnedArray evaluate(std::string_view source, std::span<const NamedArray> arrays, const Array* out,
                    const CompileOptions& options, std::span<const std::string_view> writable) {
  thread_local std::vector<Array> args;
  const Program program = cached_program(source, arrays, options, args);
  check_writable(program, writable);
  return program.run(args, out);
}

}  // namespace exprvm
