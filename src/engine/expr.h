// Boolean filter expressions, Milvus syntax subset, for search, query and delete.
//
//   expr   := or
//   or     := and (("or" | "||") and)*
//   and    := not (("and" | "&&") not)*
//   not    := ("not" | "!") not | "(" expr ")" | cmp
//   cmp    := term [op term [op term]]       op: == != < <= > >=  (a < x <= b chains)
//           | term ["not"] "in" "[" literal ("," literal)* "]"
//   term   := field | literal                 literal: number, 'str', "str", true, false
//
// Keywords and boolean literals are case-insensitive. A field alone is a predicate
// when it is Bool. Expressions are bound to a schema when parsed, so unknown
// fields, vector fields and type mismatches are reported up front.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/schema.h"
#include "util/status.h"

namespace mdrill::engine {

using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

class Expr {
 public:
  virtual ~Expr() = default;
  // True when row `row` of `columns` (schema order) satisfies the expression.
  virtual bool Eval(const std::vector<Column>& columns, size_t row) const = 0;
};

// The deepest nesting of parentheses and `not` a filter may have; deeper ones are
// refused with InvalidArgument naming the limit (they would exhaust a stack).
inline constexpr int kMaxExprDepth = 1000;

// Parses `text` against `schema`. An empty or all-blank text yields nullptr (match
// everything) with an OK status.
Status ParseExpr(const std::string& text, const CollectionSchema& schema, std::unique_ptr<Expr>* out);

// When `text` is exactly "pk in [..]" or "pk == v" on the primary key, returns the
// listed keys (used to look rows up without a scan). Otherwise returns false.
bool ExtractPrimaryKeys(const std::string& text, const CollectionSchema& schema, std::vector<Value>* keys);

}  // namespace mdrill::engine
