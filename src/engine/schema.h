// Collection schema and columnar row batches: the engine's data model.
//
// Types follow Milvus's schema.DataType numbering so that conversions to and from
// the wire are a cast. All values of integer-like types (Bool, Int8..Int64) are held
// as int64, Float/Double as double, VarChar as std::string, FloatVector as a
// row-major float array of `dim` floats per row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/status.h"

namespace mdrill::engine {

enum class DataType : int {
  kNone = 0,
  kBool = 1,
  kInt8 = 2,
  kInt16 = 3,
  kInt32 = 4,
  kInt64 = 5,
  kFloat = 10,
  kDouble = 11,
  kVarChar = 21,
  kFloatVector = 101,
};

const char* DataTypeName(DataType t);
bool IsIntegerLike(DataType t);  // Bool and the Int types
bool IsReal(DataType t);         // Float, Double
bool IsSupported(int raw_type);  // one of the enumerators above, except kNone

inline constexpr int kMaxDim = 32768;
inline constexpr int kDefaultMaxLength = 65535;

struct FieldSchema {
  int64_t id = 0;
  std::string name;
  std::string description;
  DataType type = DataType::kNone;
  bool is_primary = false;
  bool auto_id = false;
  int dim = 0;                         // FloatVector only
  int max_length = kDefaultMaxLength;  // VarChar only
};

struct CollectionSchema {
  std::string name;
  std::string description;
  std::vector<FieldSchema> fields;
  bool enable_dynamic_field = false;

  // Index of the field with that name, or -1.
  int FieldIndex(const std::string& name) const;
  int PrimaryIndex() const;  // -1 when absent (only before validation)
  int VectorIndex() const;   // the single FloatVector field, -1 when absent
  const FieldSchema& primary() const { return fields[PrimaryIndex()]; }
  const FieldSchema& vector() const { return fields[VectorIndex()]; }
};

// Checks a schema a client asked for and assigns field ids (100, 101, ... as
// upstream) where the client sent none. Errors name the offending field.
Status ValidateAndAssignIds(CollectionSchema* schema);

// One column of a batch, typed by `type`; exactly one of the vectors is used.
struct Column {
  DataType type = DataType::kNone;
  int dim = 0;
  std::vector<int64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> strs;
  std::vector<float> vecs;

  size_t size() const;
  void Reserve(size_t rows);
  // Appends row `row` of `other` (same type).
  void AppendRow(const Column& other, size_t row);
  size_t ByteSize() const;
};

// Rows in columnar form, one column per schema field in schema order.
struct Batch {
  std::vector<Column> columns;
  size_t rows = 0;
};

// Makes empty columns shaped for every field of `schema`.
Batch EmptyBatch(const CollectionSchema& schema);

}  // namespace mdrill::engine
