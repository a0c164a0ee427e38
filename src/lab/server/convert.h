// Conversions between the Milvus wire messages and the engine's types.
#pragma once

#include <google/protobuf/repeated_field.h>

#include "engine/schema.h"
#include "milvus.pb.h"
#include "util/status.h"

namespace mdrill::lab {

namespace pb = ::milvus::proto::milvus;

void SetStatus(const Status& s, pb::Status* out);

// Wire schema -> engine schema (type_params "dim" / "max_length" parsed). Errors for
// unsupported types and malformed parameters; ids are assigned by the engine.
Status SchemaFromProto(const pb::CollectionSchema& in, engine::CollectionSchema* out);
void SchemaToProto(const engine::CollectionSchema& in, pb::CollectionSchema* out);

// Client columns (any order, by name) -> a batch in schema order. Reports a missing
// field, an unknown field, a duplicated field and a wrong data type, each by name.
// An autoID primary key column must be absent unless `keys_included` (log replay).
Status BatchFromFieldData(const engine::CollectionSchema& schema,
                          const google::protobuf::RepeatedPtrField<pb::FieldData>& columns, uint32_t num_rows,
                          engine::Batch* out, bool keys_included = false);

void ColumnToFieldData(const engine::FieldSchema& field, const engine::Column& col, pb::FieldData* out);
void ColumnToIds(const engine::Column& col, pb::IDs* out);

}  // namespace mdrill::lab
