// The binding's cache: one ExprEntry per expression string (its parsed names and roles), each
// holding the programs compiled for the argument type combinations seen so far. A hit costs a
// pointer-keyed hash lookup (the same str object) or a content lookup (an equal string), then
// a short scan of the entry's variants by a byte key: one type code per name + options.
// Used with the GIL held; compiled Programs are immutable and run without it.
#pragma once
#include <Python.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include <exprvm/exprvm.hpp>

namespace exprvm::python {

struct ExprName {
  PyObject* object = nullptr;  // interned str, owned
  std::string text;
  NameRole role = NameRole::Input;
  Span first_use;              // for the caret of "not defined" errors
};

class RepeatRun;  // repeat_run.hpp

struct ProgramVariant {
  std::string key;
  Program program;
  std::shared_ptr<RepeatRun> repeat;  // this program's binding to its callers' last buffers
};

class ExprEntry {
 public:
  // Parses `source_object` (a str). Throws exprvm::Error (Syntax/Literal) for bad text.
  explicit ExprEntry(PyObject* source_object);
  ~ExprEntry();
  ExprEntry(const ExprEntry&) = delete;
  ExprEntry& operator=(const ExprEntry&) = delete;

  PyObject* source_object() const { return source_object_; }
  const std::string& source() const { return source_; }
  const std::vector<ExprName>& names() const { return names_; }
  bool has_result() const { return has_result_; }            // last statement is bare
  // The result is elementwise: it has the broadcast shape of all the arguments (a program
  // runs every statement over that shape), unlike the result of a reduction.
  bool result_is_broadcast() const { return result_is_broadcast_; }

  // The program compiled for `key`, or null.
  const ProgramVariant* find(std::string_view key);
  // Compiles for `signature` and remembers it under `key`. Throws exprvm::Error.
  const ProgramVariant& add(std::string_view key, const Signature& signature,
                            const CompileOptions& options);
  // The variant the last find() found or add() made (null before): the one a loop calling
  // with the same arguments wants again. Valid until the next add().
  const ProgramVariant* last_variant() const { return last_variant_; }

  std::uint64_t last_used = 0;

 private:
  PyObject* source_object_;  // owned
  std::string source_;
  std::vector<ExprName> names_;
  bool has_result_ = false;
  bool result_is_broadcast_ = false;
  std::vector<ProgramVariant> variants_;
  const ProgramVariant* last_variant_ = nullptr;  // into variants_
};

class ExprCache {
 public:
  explicit ExprCache(std::size_t capacity) : capacity_(capacity) {}
  // The entry for the str `source_object`, parsing it on a miss (least recently used entries
  // are evicted beyond the capacity). Throws exprvm::Error (Syntax/Literal) for invalid text;
  // null with a Python error set when the str cannot be read.
  const std::shared_ptr<ExprEntry>* lookup(PyObject* source_object);
  std::size_t size() const { return by_content_.size(); }
  void clear();

 private:
  void evict_least_recently_used();

  std::size_t capacity_;
  std::uint64_t tick_ = 0;
  std::unordered_map<PyObject*, std::shared_ptr<ExprEntry>> by_object_;
  std::unordered_map<std::string_view, std::shared_ptr<ExprEntry>> by_content_;
};

// The process-wide cache used by evaluate/validate (256 expressions, like numexpr's).
ExprCache& expression_cache();

}  // namespace exprvm::python
