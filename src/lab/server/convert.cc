#include "lab/server/convert.h"

#include <set>

namespace mdrill::lab {

using engine::Column;
using engine::DataType;

void SetStatus(const Status& s, pb::Status* out) {
  if (!s.ok() && s.code() == 0 && s.error_code() == 0) {
    // A failure without Milvus codes (a transport failure inside the server, e.g. to
    // etcd or a coordinator) must never read as success on the wire.
    out->set_code(s.IsTransport() ? code::kServiceUnavailable : code::kServiceInternal);
    out->set_error_code(pb::UnexpectedError);
    out->set_reason(s.IsTransport()
                        ? s.reason() + " (transport failure, gRPC code " + std::to_string(s.transport_code()) + ")"
                        : s.reason());
    return;
  }
  out->set_code(s.code());
  out->set_error_code(static_cast<pb::ErrorCode>(s.error_code()));
  out->set_reason(s.reason());
}

namespace {

Status IntParam(const pb::FieldSchema& f, const std::string& key, int* out) {
  for (const auto& kv : f.type_params()) {
    if (kv.key() != key) continue;
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(kv.value().c_str(), &end, 10);
    if (kv.value().empty() || *end != '\0' || errno == ERANGE || v < 0 || v > (1L << 30))
      return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                    "field " + f.name() + ": type param " + key + " must be an integer, got '" + kv.value() + "'");
    *out = static_cast<int>(v);
  }
  return Status::OK();
}

}  // namespace

Status SchemaFromProto(const pb::CollectionSchema& in, engine::CollectionSchema* out) {
  out->name = in.name();
  out->description = in.description();
  out->enable_dynamic_field = in.enable_dynamic_field();
  out->fields.clear();
  for (const auto& f : in.fields()) {
    if (f.is_dynamic()) continue;  // the server-side $meta field of dynamic schemas
    engine::FieldSchema e;
    e.id = f.fieldid();
    e.name = f.name();
    e.description = f.description();
    e.type = static_cast<DataType>(f.data_type());
    e.is_primary = f.is_primary_key();
    e.auto_id = f.autoid() || (f.is_primary_key() && in.autoid());
    if (!engine::IsSupported(f.data_type()))
      return Status(code::kCollectionIllegalSchema, legacy::kIllegalArgument,
                    "field " + f.name() + ": data type " + pb::DataType_Name(f.data_type()) +
                        " is not supported (Bool, Int8, Int16, Int32, Int64, Float, Double, "
                        "VarChar, FloatVector are)");
    Status s = IntParam(f, "dim", &e.dim);
    if (s.ok()) s = IntParam(f, "max_length", &e.max_length);
    if (!s.ok()) return s;
    if (e.type == DataType::kFloatVector && e.dim == 0)
      return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                    "dimension is not defined in field type params of " + f.name());
    out->fields.push_back(std::move(e));
  }
  return Status::OK();
}

void SchemaToProto(const engine::CollectionSchema& in, pb::CollectionSchema* out) {
  out->set_name(in.name);
  out->set_description(in.description);
  out->set_enable_dynamic_field(in.enable_dynamic_field);
  for (const auto& f : in.fields) {
    auto* p = out->add_fields();
    p->set_fieldid(f.id);
    p->set_name(f.name);
    p->set_description(f.description);
    p->set_data_type(static_cast<pb::DataType>(f.type));
    p->set_is_primary_key(f.is_primary);
    p->set_autoid(f.auto_id);
    if (f.is_primary && f.auto_id) out->set_autoid(true);
    if (f.type == DataType::kFloatVector) {
      auto* kv = p->add_type_params();
      kv->set_key("dim");
      kv->set_value(std::to_string(f.dim));
    }
    if (f.type == DataType::kVarChar) {
      auto* kv = p->add_type_params();
      kv->set_key("max_length");
      kv->set_value(std::to_string(f.max_length));
    }
  }
}

namespace {

// Which ScalarField/VectorField member carries a type, for mismatch messages.
Status Mismatch(const engine::FieldSchema& f, const pb::FieldData& d) {
  return Status(
      code::kParameterInvalid, legacy::kSchemaMismatch,
      "field " + f.name + ": expected " + engine::DataTypeName(f.type) + " data, got " + pb::DataType_Name(d.type()));
}

Status FillColumn(const engine::FieldSchema& f, const pb::FieldData& d, Column* c) {
  if (d.type() != static_cast<pb::DataType>(f.type)) return Mismatch(f, d);
  const auto& s = d.scalars();
  switch (f.type) {
    case DataType::kBool:
      if (!s.has_bool_data()) return Mismatch(f, d);
      for (bool b : s.bool_data().data()) c->ints.push_back(b ? 1 : 0);
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      if (!s.has_int_data()) return Mismatch(f, d);
      int64_t lo = f.type == DataType::kInt8 ? -128 : f.type == DataType::kInt16 ? -32768 : INT32_MIN;
      int64_t hi = f.type == DataType::kInt8 ? 127 : f.type == DataType::kInt16 ? 32767 : INT32_MAX;
      for (int32_t v : s.int_data().data()) {
        if (v < lo || v > hi)
          return Status::InvalidArgument("field " + f.name + ": value " + std::to_string(v) + " out of range for " +
                                         engine::DataTypeName(f.type));
        c->ints.push_back(v);
      }
      break;
    }
    case DataType::kInt64:
      if (!s.has_long_data()) return Mismatch(f, d);
      c->ints.assign(s.long_data().data().begin(), s.long_data().data().end());
      break;
    case DataType::kFloat:
      if (!s.has_float_data()) return Mismatch(f, d);
      c->reals.assign(s.float_data().data().begin(), s.float_data().data().end());
      break;
    case DataType::kDouble:
      if (!s.has_double_data()) return Mismatch(f, d);
      c->reals.assign(s.double_data().data().begin(), s.double_data().data().end());
      break;
    case DataType::kVarChar:
      if (!s.has_string_data()) return Mismatch(f, d);
      c->strs.assign(s.string_data().data().begin(), s.string_data().data().end());
      break;
    case DataType::kFloatVector:
      if (!d.has_vectors() || !d.vectors().has_float_vector()) return Mismatch(f, d);
      c->dim = static_cast<int>(d.vectors().dim());
      if (d.vectors().dim() <= 0 || d.vectors().dim() > engine::kMaxDim)
        return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                      "field " + f.name + ": invalid dim " + std::to_string(d.vectors().dim()));
      c->vecs.assign(d.vectors().float_vector().data().begin(), d.vectors().float_vector().data().end());
      if (c->vecs.size() % static_cast<size_t>(c->dim) != 0)
        return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                      "field " + f.name + ": " + std::to_string(c->vecs.size()) + " floats is not a multiple of dim " +
                          std::to_string(c->dim));
      break;
    case DataType::kNone:
      return Mismatch(f, d);
  }
  return Status::OK();
}

}  // namespace

Status BatchFromFieldData(const engine::CollectionSchema& schema,
                          const google::protobuf::RepeatedPtrField<pb::FieldData>& columns, uint32_t num_rows,
                          engine::Batch* out, bool keys_included) {
  *out = engine::EmptyBatch(schema);
  std::set<std::string> seen;
  for (const auto& d : columns) {
    if (d.is_dynamic() || d.field_name() == "$meta") {
      if (!schema.enable_dynamic_field)
        return Status::InvalidArgument("dynamic field data sent, but the collection has no dynamic field");
      continue;  // dynamic fields are accepted and not stored
    }
    int idx = schema.FieldIndex(d.field_name());
    if (idx < 0)
      return Status(code::kFieldNotFound, legacy::kSchemaMismatch,
                    "field " + d.field_name() + " does not exist in collection " + schema.name);
    if (!seen.insert(d.field_name()).second)
      return Status::InvalidArgument("field " + d.field_name() + " is sent twice");
    const auto& f = schema.fields[static_cast<size_t>(idx)];
    if (f.is_primary && f.auto_id && !keys_included)
      return Status::InvalidArgument("the primary key field " + f.name + " has autoID enabled: do not send its values");
    Status s = FillColumn(f, d, &out->columns[static_cast<size_t>(idx)]);
    if (!s.ok()) return s;
  }
  for (const auto& f : schema.fields)
    if (!(f.is_primary && f.auto_id && !keys_included) && !seen.count(f.name))
      return Status(code::kParameterMissing, legacy::kSchemaMismatch, "insert missed a field `" + f.name + "`");
  out->rows = num_rows;
  if (num_rows == 0) {  // tolerate clients that leave num_rows unset
    for (size_t i = 0; i < schema.fields.size(); ++i)
      if (!(schema.fields[i].is_primary && schema.fields[i].auto_id)) {
        out->rows = out->columns[i].size();
        break;
      }
  }
  return Status::OK();
}

void ColumnToFieldData(const engine::FieldSchema& f, const Column& c, pb::FieldData* out) {
  out->set_type(static_cast<pb::DataType>(f.type));
  out->set_field_name(f.name);
  out->set_field_id(f.id);
  auto* s = out->mutable_scalars();
  switch (f.type) {
    case DataType::kBool:
      for (int64_t v : c.ints) s->mutable_bool_data()->add_data(v != 0);
      s->mutable_bool_data();
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      s->mutable_int_data();
      for (int64_t v : c.ints) s->mutable_int_data()->add_data(static_cast<int32_t>(v));
      break;
    case DataType::kInt64:
      s->mutable_long_data()->mutable_data()->Add(c.ints.begin(), c.ints.end());
      break;
    case DataType::kFloat:
      s->mutable_float_data();
      for (double v : c.reals) s->mutable_float_data()->add_data(static_cast<float>(v));
      break;
    case DataType::kDouble:
      s->mutable_double_data()->mutable_data()->Add(c.reals.begin(), c.reals.end());
      break;
    case DataType::kVarChar:
      s->mutable_string_data();
      for (const auto& v : c.strs) s->mutable_string_data()->add_data(v);
      break;
    case DataType::kFloatVector: {
      auto* v = out->mutable_vectors();
      v->set_dim(f.dim);
      v->mutable_float_vector()->mutable_data()->Add(c.vecs.begin(), c.vecs.end());
      break;
    }
    case DataType::kNone:
      break;
  }
}

void ColumnToIds(const Column& c, pb::IDs* out) {
  if (c.type == DataType::kVarChar) {
    auto* d = out->mutable_str_id();
    for (const auto& s : c.strs) d->add_data(s);
  } else {
    out->mutable_int_id()->mutable_data()->Add(c.ints.begin(), c.ints.end());
  }
}

}  // namespace mdrill::lab
