// The expression cache (see expr_cache.hpp).
#include "python/expr_cache.hpp"

#include <algorithm>
#include <unordered_set>

#include "compiler/ast.hpp"
#include "compiler/functions.hpp"

namespace exprvm::python {
namespace {

constexpr std::size_t kMaxVariantsPerExpression = 32;

// Variables `node` reads, in source order. Not variables: function names of calls, keyword
// argument values (constants such as axis=0 or axis=None) and `None`, which the type checker
// reports where it is not allowed.
void collect_reads(const Node& node, std::vector<const Node*>& reads) {
  if (node.kind == NodeKind::Name && !is_none(node)) reads.push_back(&node);
  for (const auto& arg : node.args) collect_reads(*arg, reads);
}

// True for a call of a reduction function (sum, prod, min, max, any, all, mean).
bool is_reduction_call(const Node& node) {
  if (node.kind != NodeKind::Call) return false;
  const FunctionInfo* function = find_function(node.name);
  return function && function->kind == FunctionKind::Reduction;
}

}  // namespace

ExprEntry::ExprEntry(PyObject* source_object) : source_object_(nullptr) {
  Py_ssize_t length = 0;
  const char* text = PyUnicode_AsUTF8AndSize(source_object, &length);
  if (!text) {
    PyErr_Clear();
    throw Error(ErrorKind::Syntax, "the expression is not valid UTF-8 text");
  }
  source_.assign(text, static_cast<std::size_t>(length));
  const ParsedProgram parsed = parse(source_);
  // Roles, in order of first appearance; sequential semantics as in the type checker.
  std::unordered_set<std::string> assigned;
  auto index_of_name = [&](const std::string& name) -> ExprName* {
    for (auto& n : names_)
      if (n.text == name) return &n;
    return nullptr;
  };
  std::vector<const Node*> reads;
  for (const Statement& statement : parsed.statements) {
    reads.clear();
    collect_reads(*statement.expr, reads);
    for (const Node* read : reads) {
      if (assigned.count(read->name) || index_of_name(read->name)) continue;
      names_.push_back(ExprName{nullptr, read->name, NameRole::Input, read->span});
    }
    if (statement.target.empty()) continue;
    if (ExprName* existing = index_of_name(statement.target)) {
      if (existing->role == NameRole::Input && !assigned.count(statement.target))
        existing->role = NameRole::InputTarget;
    } else {
      names_.push_back(ExprName{nullptr, statement.target, NameRole::Target,
                                statement.target_span});
    }
    assigned.insert(statement.target);
  }
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
  if (!parsed.statements.empty() && parsed.statements.back().target.empty()) {
    has_result_ = true;
    result_is_broadcast_ = !is_reduction_call(*parsed.statements.back().expr);
  }
}

ExprEntry::~ExprEntry() {
  for (auto& n : names_) Py_XDECREF(n.object);
  Py_XDECREF(source_object_);
}

const Program* ExprEntry::find(const std::string& key) const {
  for (const auto& variant : variants_)
    if (variant.key == key) return &variant.program;
  return nullptr;
}

const Program& ExprEntry::add(const std::string& key, const Signature& signature,
                              const CompileOptions& options) {
  Program program = compile(source_, signature, options);
  if (variants_.size() >= kMaxVariantsPerExpression) variants_.erase(variants_.begin());
  variants_.push_back(ProgramVariant{key, std::move(program)});
  return variants_.back().program;
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
