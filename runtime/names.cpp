// Free-name analysis of a program's source (see analyze_names in <exprvm/exprvm.hpp>): the one
// rule the hosts (the CLI, the Python module) use to decide what the caller must supply.
#include <algorithm>
#include <unordered_set>

#include <exprvm/exprvm.hpp>
#include "compiler/ast.hpp"
#include "compiler/functions.hpp"

namespace exprvm {
namespace {

// Variables `node` reads, in source order. Keyword values are not visited: they are
// constants of the call (axis=0, axis=None), checked by the type checker. `None` is reported
// by the type checker wherever it is not an axis.
void collect_reads(const Node& node, std::vector<const Node*>& reads) {
  if (node.kind == NodeKind::Name && !is_none(node)) reads.push_back(&node);
  for (const auto& arg : node.args) collect_reads(*arg, reads);
}

bool is_reduction_call(const Node& node) {
  if (node.kind != NodeKind::Call) return false;
  const FunctionInfo* function = find_function(node.name);
  return function && function->kind == FunctionKind::Reduction;
}

}  // namespace

SourceNames analyze_names(std::string_view source) {
  const ParsedProgram parsed = parse(source);
  SourceNames result;
  std::vector<NameUse>& names = result.names;
  std::unordered_set<std::string> assigned;
  auto find = [&](const std::string& name) {
    auto it = std::find_if(names.begin(), names.end(), [&](const NameUse& n) { return n.name == name; });
    return it == names.end() ? nullptr : &*it;
  };
  std::vector<const Node*> reads;
  for (const Statement& statement : parsed.statements) {
    reads.clear();
    collect_reads(*statement.expr, reads);
    for (const Node* read : reads)
      if (!assigned.count(read->name) && !find(read->name))
        names.push_back(NameUse{read->name, NameRole::Input, read->span});
    if (statement.target.empty()) continue;
    if (NameUse* existing = find(statement.target)) {
      if (existing->role == NameRole::Input && !assigned.count(statement.target))
        existing->role = NameRole::InputTarget;
    } else {
      names.push_back(NameUse{statement.target, NameRole::Target, statement.target_span});
    }
    assigned.insert(statement.target);
  }
  if (!parsed.statements.empty() && parsed.statements.back().target.empty()) {
    result.has_result = true;
    result.result_is_reduction = is_reduction_call(*parsed.statements.back().expr);
  }
  return result;
}

std::vector<std::string> free_names(std::string_view source) {
  std::vector<std::string> names;
  for (NameUse& use : analyze_names(source).names)
    if (use.role != NameRole::Target) names.push_back(std::move(use.name));
  return names;
}

}  // namespace exprvm
