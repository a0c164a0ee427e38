#include "engine/schema.h"

#include <set>

namespace mdrill::engine {

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kBool:
      return "Bool";
    case DataType::kInt8:
      return "Int8";
    case DataType::kInt16:
      return "Int16";
    case DataType::kInt32:
      return "Int32";
    case DataType::kInt64:
      return "Int64";
    case DataType::kFloat:
      return "Float";
    case DataType::kDouble:
      return "Double";
    case DataType::kVarChar:
      return "VarChar";
    case DataType::kFloatVector:
      return "FloatVector";
    case DataType::kNone:
      break;
  }
  return "None";
}

bool IsIntegerLike(DataType t) {
  return t == DataType::kBool || t == DataType::kInt8 || t == DataType::kInt16 || t == DataType::kInt32 ||
         t == DataType::kInt64;
}

bool IsReal(DataType t) { return t == DataType::kFloat || t == DataType::kDouble; }

bool IsSupported(int raw) {
  switch (static_cast<DataType>(raw)) {
    case DataType::kBool:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kFloat:
    case DataType::kDouble:
    case DataType::kVarChar:
    case DataType::kFloatVector:
      return true;
    case DataType::kNone:
      break;
  }
  return false;
}

int CollectionSchema::FieldIndex(const std::string& n) const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == n) return static_cast<int>(i);
  return -1;
}

int CollectionSchema::PrimaryIndex() const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].is_primary) return static_cast<int>(i);
  return -1;
}

int CollectionSchema::VectorIndex() const {
  for (size_t i = 0; i < fields.size(); ++i)
    if (fields[i].type == DataType::kFloatVector) return static_cast<int>(i);
  return -1;
}

namespace {

Status Illegal(const std::string& why) { return Status(code::kCollectionIllegalSchema, legacy::kIllegalArgument, why); }

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 255) return false;
  if (!(isalpha(static_cast<unsigned char>(n[0])) || n[0] == '_')) return false;
  for (char c : n)
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

Status ValidateAndAssignIds(CollectionSchema* s) {
  if (!ValidName(s->name))
    return Status(code::kParameterInvalid, 9 /*IllegalCollectionName*/,
                  "invalid collection name: '" + s->name +
                      "': must start with a letter or underscore and hold only letters, digits "
                      "and underscores (at most 255)");
  if (s->fields.empty()) return Illegal("schema has no fields");
  std::set<std::string> names;
  int primaries = 0, vectors = 0;
  int64_t next_id = 100;
  for (auto& f : s->fields) {
    if (!ValidName(f.name)) return Illegal("invalid field name: '" + f.name + "'");
    if (!names.insert(f.name).second) return Illegal("duplicated field name: " + f.name);
    if (!IsSupported(static_cast<int>(f.type)))
      return Illegal("field " + f.name + ": data type " + std::to_string(static_cast<int>(f.type)) +
                     " is not supported (Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, "
                     "FloatVector are)");
    if (f.is_primary) {
      ++primaries;
      if (f.type != DataType::kInt64 && f.type != DataType::kVarChar)
        return Illegal("primary key field " + f.name + " must be Int64 or VarChar");
    } else if (f.auto_id) {
      return Illegal("autoID is only allowed on the primary key field, not on " + f.name);
    }
    if (f.type == DataType::kFloatVector) {
      ++vectors;
      if (f.dim < 1 || f.dim > kMaxDim)
        return Status(
            code::kParameterInvalid, legacy::kIllegalDimension,
            "invalid dimension of field " + f.name + ": " + std::to_string(f.dim) + " (must be within [1, 32768])");
    }
    if (f.type == DataType::kVarChar && (f.max_length < 1 || f.max_length > 65535))
      return Illegal("max_length of field " + f.name + " must be within [1, 65535]");
    // Generated VarChar keys are the decimal text of an int64 id: up to 19 characters.
    if (f.is_primary && f.auto_id && f.type == DataType::kVarChar && f.max_length < 19)
      return Illegal("primary key " + f.name +
                     " has autoID: its max_length must be at least 19, the length of a "
                     "generated id, not " +
                     std::to_string(f.max_length));
  }
  if (primaries != 1) return Illegal("schema must have exactly one primary key field");
  if (vectors != 1) return Illegal("schema must have exactly one FloatVector field");
  // Ids the client sent are kept when all are set and distinct; otherwise assign.
  std::set<int64_t> ids;
  bool client_ids = true;
  for (auto& f : s->fields) client_ids = client_ids && f.id >= 100 && ids.insert(f.id).second;
  if (!client_ids)
    for (auto& f : s->fields) f.id = next_id++;
  return Status::OK();
}

size_t Column::size() const {
  if (type == DataType::kFloatVector) return dim > 0 ? vecs.size() / static_cast<size_t>(dim) : 0;
  if (IsIntegerLike(type)) return ints.size();
  if (IsReal(type)) return reals.size();
  return strs.size();
}

void Column::Reserve(size_t rows) {
  if (type == DataType::kFloatVector)
    vecs.reserve(rows * static_cast<size_t>(dim));
  else if (IsIntegerLike(type))
    ints.reserve(rows);
  else if (IsReal(type))
    reals.reserve(rows);
  else
    strs.reserve(rows);
}

void Column::AppendRow(const Column& o, size_t row) {
  if (type == DataType::kFloatVector) {
    const float* p = o.vecs.data() + row * static_cast<size_t>(dim);
    vecs.insert(vecs.end(), p, p + dim);
  } else if (IsIntegerLike(type)) {
    ints.push_back(o.ints[row]);
  } else if (IsReal(type)) {
    reals.push_back(o.reals[row]);
  } else {
    strs.push_back(o.strs[row]);
  }
}

size_t Column::ByteSize() const {
  size_t n = ints.size() * 8 + reals.size() * 8 + vecs.size() * 4;
  for (const auto& s : strs) n += s.size() + sizeof(std::string);
  return n;
}

Batch EmptyBatch(const CollectionSchema& schema) {
  Batch b;
  for (const auto& f : schema.fields) {
    Column c;
    c.type = f.type;
    c.dim = f.dim;
    b.columns.push_back(std::move(c));
  }
  return b;
}

}  // namespace mdrill::engine
