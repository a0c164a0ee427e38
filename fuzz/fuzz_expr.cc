// Filter expressions: any text parses to an expression or a clear error, never a
// crash or a hang; a parsed expression evaluates on every row; and where the
// primary-key shortcut recognises "pk in [...]" / "pk == v", it selects exactly
// the rows the full filter selects.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <variant>

#include "engine/expr.h"
#include "engine/schema.h"
#include "engine/test_data.h"

using namespace mdrill::engine;

namespace {

// 64 rows, ids -8..55 (negative keys too): the engine tests' schema and rows.
Batch Rows(const CollectionSchema& s) {
  return mdrill::engine::testing::MakeBatch(s, 64, -8, mdrill::engine::testing::RandomVectors(64, 4, 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const CollectionSchema schema = mdrill::engine::testing::MakeSchema(4);
  static const Batch batch = Rows(schema);
  const std::vector<Column>& rows = batch.columns;
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<Expr> e;
  mdrill::Status s = ParseExpr(text, schema, &e);
  if (!s.ok()) {
    if (s.reason().empty()) __builtin_trap();  // an error must say why
    return 0;
  }
  std::set<int64_t> matched;
  for (size_t r = 0; r < batch.rows; ++r)
    if (!e || e->Eval(rows, r)) matched.insert(rows[0].ints[r]);
  std::vector<Value> keys;
  if (ExtractPrimaryKeys(text, schema, &keys)) {
    std::set<int64_t> by_key;
    for (const auto& k : keys)
      if (auto* v = std::get_if<int64_t>(&k); v && *v >= -8 && *v < 56) by_key.insert(*v);
    if (by_key != matched) __builtin_trap();  // the shortcut disagrees with the filter
  }
  return 0;
}
