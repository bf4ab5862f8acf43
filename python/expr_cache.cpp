// The expression cache (see expr_cache.hpp).
#include "python/expr_cache.hpp"

#include <algorithm>

#include "python/repeat_run.hpp"

namespace exprvm::python {
namespace {

constexpr std::size_t kMaxVariantsPerExpression = 32;

}  // namespace

ExprEntry::ExprEntry(PyObject* source_object) : source_object_(nullptr) {
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(source_object, &length);
  if (!text) {
    PyErr_Clear();
    throw Error(ErrorKind::Syntax, "the expression is not valid UTF-8 text");
  }
  source_.assign(text, static_cast<std::size_t>(length));
  SourceNames analysis = analyze_names(source_);  // the same rule as every host's
  names_.reserve(analysis.names.size());
  for (NameUse& use : analysis.names)
    names_.push_back(ExprName{nullptr, std::move(use.name), use.role, use.first_use});
  for (auto& n : names_) {
    n.object = PyUnicode_FromStringAndSize(n.text.data(), static_cast<Py_ssize_t>(n.text.size()));
    if (n.object) PyUnicode_InternInPlace(&n.object);
    if (!n.object) {
      PyErr_Clear();
      for (auto& created : names_) Py_CLEAR(created.object);
      throw std::bad_alloc();
    }
  }
  source_object_ = Py_NewRef(source_object);
  has_result_ = analysis.has_result;
  result_is_broadcast_ = analysis.has_result && !analysis.result_is_reduction;
}

ExprEntry::~ExprEntry() {
  for (auto& n : names_) Py_XDECREF(n.object);
  Py_XDECREF(source_object_);
}

const ProgramVariant* ExprEntry::find(std::string_view key) {
  if (last_variant_ && last_variant_->key == key) return last_variant_;
  for (const auto& variant : variants_)
    if (variant.key == key) return last_variant_ = &variant;
  return nullptr;
}

const ProgramVariant& ExprEntry::add(std::string_view key, const Signature& signature,
                                     const CompileOptions& options) {
  Program program = compile(source_, signature, options);
  if (variants_.size() >= kMaxVariantsPerExpression) {
    last_variant_ = nullptr;  // it may point at the erased entry, and the push_back may throw
    variants_.erase(variants_.begin());
  }
  variants_.push_back(
      ProgramVariant{std::string(key), std::move(program), std::make_shared<RepeatRun>()});
  last_variant_ = &variants_.back();
  return variants_.back();
}

const std::shared_ptr<ExprEntry>* ExprCache::lookup(PyObject* source_object) {
  if (auto it = by_object_.find(source_object); it != by_object_.end()) {
    it->second->last_used = ++tick_;
    return &it->second;
  }
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(source_object, &length);
  if (!text) return nullptr;
  const std::string_view content(text, static_cast<std::size_t>(length));
  if (auto it = by_content_.find(content); it != by_content_.end()) {
    it->second->last_used = ++tick_;
    return &it->second;
  }
  if (by_content_.size() >= capacity_) evict_least_recently_used();
  auto entry = std::make_shared<ExprEntry>(source_object);  // throws for invalid text
  entry->last_used = ++tick_;
  by_object_.emplace(source_object, entry);
  return &by_content_.emplace(std::string_view(entry->source()), entry).first->second;
}

void ExprCache::evict_least_recently_used() {
  auto oldest = std::min_element(by_content_.begin(), by_content_.end(), [](auto& a, auto& b) {
    return a.second->last_used < b.second->last_used;
  });
  if (oldest == by_content_.end()) return;
  std::shared_ptr<ExprEntry> victim = oldest->second;
  by_object_.erase(victim->source_object());
  by_content_.erase(oldest);
}

void ExprCache::clear() {
  by_object_.clear();
  by_content_.clear();
}

ExprCache& expression_cache() {
  static ExprCache* cache = new ExprCache(256);  // never destroyed: entries hold Python objects
  return *cache;
}

}  // namespace exprvm::python
