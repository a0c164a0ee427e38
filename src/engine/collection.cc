#include "engine/collection.h"

#include <faiss/utils/distances.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace mdrill::engine {

Collection::Collection(int64_t id, CollectionSchema schema, CollectionOptions options)
    : id_(id), schema_(std::move(schema)), options_(options), pk_(schema_.PrimaryIndex()), vec_(schema_.VectorIndex()) {
  StartSegment();
}

void Collection::StartSegment() {
  auto seg = std::make_shared<Segment>();
  seg->id = next_segment_id_++;
  for (const auto& f : schema_.fields) {
    Column c;
    c.type = f.type;
    c.dim = f.dim;
    seg->columns.push_back(std::move(c));
  }
  segments_.push_back(std::move(seg));
}

Status Collection::ValidateInsert(const Batch& b) const {
  if (b.rows == 0) return Status::InvalidArgument("no rows to insert");
  if (b.columns.size() != schema_.fields.size())
    return Status::InvalidArgument("the batch does not match the schema's field count");
  for (size_t i = 0; i < schema_.fields.size(); ++i) {
    const FieldSchema& f = schema_.fields[i];
    const Column& c = b.columns[i];
    if (c.type != f.type)
      return Status(code::kParameterInvalid, legacy::kSchemaMismatch,
                    "field " + f.name + ": expected " + DataTypeName(f.type) + ", got " + DataTypeName(c.type));
    if (f.is_primary && f.auto_id) {
      if (c.size() != 0)
        return Status::InvalidArgument("field " + f.name + " is an autoID primary key: do not send its values");
      continue;
    }
    if (f.type == DataType::kFloatVector && c.dim != f.dim)
      return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                    "the dim (" + std::to_string(c.dim) + ") of field data(" + f.name +
                        ") is not equal to schema dim (" + std::to_string(f.dim) + ")");
    if (f.type == DataType::kFloatVector && c.vecs.size() != b.rows * static_cast<size_t>(f.dim))
      return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                    "field " + f.name + " has " + std::to_string(c.vecs.size()) +
                        " floats, expected num_rows * dim = " + std::to_string(b.rows * static_cast<size_t>(f.dim)));
    if (c.size() != b.rows)
      return Status::InvalidArgument("the num_rows (" + std::to_string(b.rows) + ") of field " + f.name +
                                     " is not equal to passed num_rows (" + std::to_string(c.size()) + ")");
    if (f.type == DataType::kFloatVector) {
      for (size_t j = 0; j < c.vecs.size(); ++j)
        if (!std::isfinite(c.vecs[j]))
          return Status::InvalidArgument("float vector field " + f.name + " row " +
                                         std::to_string(j / static_cast<size_t>(f.dim)) + " contains NaN or Inf");
    } else if (f.type == DataType::kVarChar) {
      for (size_t j = 0; j < c.strs.size(); ++j)
        if (c.strs[j].size() > static_cast<size_t>(f.max_length))
          return Status::InvalidArgument("the length (" + std::to_string(c.strs[j].size()) + ") of varchar field " +
                                         f.name + " exceeds max length (" + std::to_string(f.max_length) + ")");
    } else if (f.type == DataType::kFloat) {
      for (double v : c.reals)
        if (!std::isfinite(v)) return Status::InvalidArgument("float field " + f.name + " holds NaN or Inf");
    }
  }
  return Status::OK();
}

void Collection::IndexPk(size_t seg, size_t row) {
  const Column& c = segments_[seg]->columns[static_cast<size_t>(pk_)];
  if (c.type == DataType::kInt64)
    int_keys_[c.ints[row]].push_back({seg, row});
  else
    str_keys_[c.strs[row]].push_back({seg, row});
}

void Collection::Insert(const Batch& b, uint64_t ts) {
  std::unique_lock lock(mu_);
  for (size_t r = 0; r < b.rows; ++r) {
    Segment& seg = *segments_.back();
    for (size_t i = 0; i < b.columns.size(); ++i)
      if (Kept(i)) seg.columns[i].AppendRow(b.columns[i], r);
    seg.ts.push_back(ts);
    IndexPk(segments_.size() - 1, seg.rows() - 1);
    if (seg.rows() >= options_.segment_max_rows) {
      seg.sealed = true;
      StartSegment();
    }
  }
  live_rows_ += static_cast<int64_t>(b.rows);
  if (ts > last_ts_.load()) last_ts_.store(ts);
}

void Collection::Seal() {
  std::unique_lock lock(mu_);
  if (segments_.back()->rows() == 0) return;
  segments_.back()->sealed = true;
  StartSegment();
}

bool Collection::Indexed(const Segment& seg) const {
  if (seg.index) return true;
  return options_.metadata_only && index_ && index_error_.empty() && seg.sealed &&
         seg.rows() >= options_.min_rows_to_index;
}

Status Collection::RefuseReads() const {
  return Status(code::kReplicaNotAvailable, legacy::kNoReplicaAvailable,
                "collection " + std::to_string(id_) +
                    ": this copy holds metadata only (a coordinator's); searches and queries are served by query "
                    "nodes");
}

bool Collection::IsLive(const Segment& seg, size_t row) const {
  const Column& c = seg.columns[static_cast<size_t>(pk_)];
  if (c.type == DataType::kInt64) {
    if (int_deletes_.empty()) return true;
    auto it = int_deletes_.find(c.ints[row]);
    return it == int_deletes_.end() || it->second <= seg.ts[row];
  }
  if (str_deletes_.empty()) return true;
  auto it = str_deletes_.find(c.strs[row]);
  return it == str_deletes_.end() || it->second <= seg.ts[row];
}

std::vector<Collection::RowRef> Collection::FindKey(const Value& key) const {
  if (std::holds_alternative<int64_t>(key)) {
    auto it = int_keys_.find(std::get<int64_t>(key));
    return it == int_keys_.end() ? std::vector<RowRef>{} : it->second;
  }
  if (std::holds_alternative<std::string>(key)) {
    auto it = str_keys_.find(std::get<std::string>(key));
    return it == str_keys_.end() ? std::vector<RowRef>{} : it->second;
  }
  return {};
}

Status Collection::MatchDelete(const std::string& expr, std::vector<Value>* keys) const {
  if (expr.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status::InvalidArgument("delete needs a filter expression (it is empty)");
  if (ExtractPrimaryKeys(expr, schema_, keys)) return Status::OK();
  std::unique_ptr<Expr> filter;
  Status s = ParseExpr(expr, schema_, &filter);
  if (!s.ok()) return s;
  std::shared_lock lock(mu_);
  keys->clear();
  for (const auto& seg : segments_) {
    const Column& pk = seg->columns[static_cast<size_t>(pk_)];
    for (size_t r = 0; r < seg->rows(); ++r) {
      if (!IsLive(*seg, r) || !filter->Eval(seg->columns, r)) continue;
      if (pk.type == DataType::kInt64)
        keys->emplace_back(pk.ints[r]);
      else
        keys->emplace_back(pk.strs[r]);
    }
  }
  return Status::OK();
}

int64_t Collection::Delete(const std::vector<Value>& keys, uint64_t ts) {
  std::unique_lock lock(mu_);
  int64_t hidden = 0;
  for (const auto& key : keys) {
    for (const RowRef& ref : FindKey(key)) {
      const Segment& seg = *segments_[ref.segment];
      if (seg.ts[ref.row] < ts && IsLive(seg, ref.row)) ++hidden;
    }
    if (std::holds_alternative<int64_t>(key)) {
      uint64_t& d = int_deletes_[std::get<int64_t>(key)];
      d = std::max(d, ts);
    } else if (std::holds_alternative<std::string>(key)) {
      uint64_t& d = str_deletes_[std::get<std::string>(key)];
      d = std::max(d, ts);
    }
  }
  live_rows_ -= hidden;
  if (ts > last_ts_.load()) last_ts_.store(ts);
  return hidden;
}

Status Collection::SetIndex(const IndexSpec& spec) {
  std::unique_lock lock(mu_);
  if (index_) {
    if (index_->type_name == spec.type_name && index_->metric == spec.metric && index_->params_json == spec.params_json)
      return Status::OK();
    return Status(code::kIndexDuplicate, legacy::kIllegalArgument,
                  "CreateIndex failed: at most one distinct index is allowed per field; drop the "
                  "existing index (" +
                      index_->type_name + ") first");
  }
  index_ = spec;
  index_error_.clear();
  return Status::OK();
}

Status Collection::DropIndex() {
  std::unique_lock lock(mu_);
  if (!index_) return Status::IndexNotFound("index not found");
  std::vector<std::string> stored;  // what BuildPendingIndex may have stored for the spec
  if (options_.index_store)
    for (const auto& seg : segments_)
      if (seg->sealed) stored.push_back(IndexKey(*seg, SpecFor(*seg, *index_)));
  index_.reset();
  for (auto& seg : segments_) seg->index.reset();
  lock.unlock();
  for (const auto& key : stored) options_.index_store->ForgetIndex(key);
  return Status::OK();
}

std::optional<IndexSpec> Collection::index() const {
  std::shared_lock lock(mu_);
  return index_;
}

// Every row of `seg` but those a delete hides, found from the deleted keys' rows:
// a search then costs the deletes, not a hash lookup per row of the segment.
std::vector<uint8_t> Collection::UndeletedRows(const Segment& seg) const {
  std::vector<uint8_t> bits((seg.rows() + 7) / 8, 0xff);
  auto hide = [&](const std::vector<RowRef>& refs, uint64_t deleted_at) {
    for (const RowRef& ref : refs)
      if (segments_[ref.segment].get() == &seg && deleted_at > seg.ts[ref.row])
        bits[ref.row >> 3] &= static_cast<uint8_t>(~(1u << (ref.row & 7)));
  };
  for (const auto& [key, at] : int_deletes_)
    if (auto it = int_keys_.find(key); it != int_keys_.end()) hide(it->second, at);
  for (const auto& [key, at] : str_deletes_)
    if (auto it = str_keys_.find(key); it != str_keys_.end()) hide(it->second, at);
  return bits;
}

std::vector<uint8_t> Collection::Visible(const Segment& seg, const Expr* filter, bool* all) const {
  bool no_deletes = int_deletes_.empty() && str_deletes_.empty();
  *all = filter == nullptr && no_deletes;
  if (*all) return {};
  const size_t deletes = int_deletes_.size() + str_deletes_.size();
  if (filter == nullptr && deletes < seg.rows()) return UndeletedRows(seg);
  std::vector<uint8_t> bits((seg.rows() + 7) / 8, 0);
  for (size_t r = 0; r < seg.rows(); ++r)
    if ((no_deletes || IsLive(seg, r)) && (filter == nullptr || filter->Eval(seg.columns, r)))
      bits[r >> 3] |= static_cast<uint8_t>(1u << (r & 7));
  return bits;
}

Status Collection::ResolveOutputs(const std::vector<std::string>& names, std::vector<int>* out, bool* count) const {
  *count = false;
  std::vector<bool> want(schema_.fields.size(), false);
  want[static_cast<size_t>(pk_)] = true;
  for (const auto& raw : names) {
    std::string n = raw;
    n.erase(0, n.find_first_not_of(' '));
    n.erase(n.find_last_not_of(' ') + 1);
    if (n.empty()) continue;
    std::string lower = n;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "count(*)") {
      *count = true;
      continue;
    }
    if (n == "*") {
      std::fill(want.begin(), want.end(), true);
      continue;
    }
    int idx = schema_.FieldIndex(n);
    if (idx < 0) return Status(code::kFieldNotFound, legacy::kIllegalArgument, "field " + n + " not exist");
    want[static_cast<size_t>(idx)] = true;
  }
  if (*count && names.size() > 1)
    return Status::InvalidArgument("count(*) cannot be combined with other output fields");
  out->clear();
  out->push_back(pk_);
  for (size_t i = 0; i < want.size(); ++i)
    if (want[i] && static_cast<int>(i) != pk_) out->push_back(static_cast<int>(i));
  return Status::OK();
}

std::vector<Column> Collection::EmptyColumns(const std::vector<int>& fields) const {
  std::vector<Column> cols;
  for (int f : fields) {
    Column c;
    c.type = schema_.fields[static_cast<size_t>(f)].type;
    c.dim = schema_.fields[static_cast<size_t>(f)].dim;
    cols.push_back(std::move(c));
  }
  return cols;
}

Status Collection::PrepareSearch(const SearchArgs& a, std::unique_ptr<Expr>* filter, SearchOutput* out) const {
  const int dim = schema_.fields[static_cast<size_t>(vec_)].dim;
  if (a.nq == 0) return Status::InvalidArgument("no query vectors");
  if (a.queries.size() != a.nq * static_cast<size_t>(dim))
    return Status(code::kParameterInvalid, legacy::kIllegalDimension,
                  "the dimension of the query vectors does not match the field's (" + std::to_string(dim) + ")");
  for (float v : a.queries)
    if (!std::isfinite(v)) return Status::InvalidArgument("query vector contains NaN or Inf");
  Status s = ParseExpr(a.filter, schema_, filter);
  if (!s.ok()) return s;
  bool count = false;
  if (!(s = ResolveOutputs(a.output_fields, &out->output_fields, &count)).ok()) return s;
  if (count) return Status::InvalidArgument("count(*) is not an output field of search");
  return Status::OK();
}

std::vector<std::vector<Collection::SearchHit>> Collection::SearchSegments(const std::vector<float>& queries, size_t nq,
                                                                           const SearchKnobs& k,
                                                                           const Expr* filter) const {
  const int dim = schema_.fields[static_cast<size_t>(vec_)].dim;
  const int want = k.topk + k.offset;
  std::vector<std::vector<SearchHit>> hits(nq);
  std::vector<float> scores(nq * static_cast<size_t>(want));
  std::vector<int64_t> labels(nq * static_cast<size_t>(want));
  for (size_t si = 0; si < segments_.size(); ++si) {
    const Segment& seg = *segments_[si];
    if (seg.rows() == 0 || (k.ignore_growing && !seg.sealed)) continue;
    bool all = false;
    std::vector<uint8_t> bits = Visible(seg, filter, &all);
    const uint8_t* bitmap = all ? nullptr : bits.data();
    if (seg.index) {
      seg.index->Search(queries.data(), nq, want, k, bitmap, scores.data(), labels.data());
    } else {
      const Column& vec = seg.columns[static_cast<size_t>(vec_)];
      std::vector<float> norms;
      if (k.metric == Metric::kCosine) {
        norms.resize(seg.rows());
        for (size_t r = 0; r < seg.rows(); ++r)
          norms[r] = std::sqrt(faiss::fvec_norm_L2sqr(vec.vecs.data() + r * dim, static_cast<size_t>(dim)));
      }
      BruteForceSearch(k.metric, vec.vecs.data(), norms.data(), seg.rows(), dim, queries.data(), nq, want, bitmap,
                       scores.data(), labels.data());
    }
    for (size_t q = 0; q < nq; ++q)
      for (int j = 0; j < want; ++j) {
        int64_t l = labels[q * want + j];
        if (l >= 0) hits[q].push_back({scores[q * want + j], si, static_cast<size_t>(l)});
      }
  }
  return hits;
}

void Collection::FillSearchOutput(const SearchKnobs& k, std::vector<std::vector<SearchHit>>* hits,
                                  SearchOutput* out) const {
  const bool higher = HigherIsBetter(k.metric);
  out->nq = hits->size();
  out->topk = k.topk;
  out->ids = Column{};
  out->ids.type = schema_.fields[static_cast<size_t>(pk_)].type;
  out->fields = EmptyColumns(out->output_fields);
  out->topks.clear();
  out->scores.clear();
  for (auto& h : *hits) {
    std::stable_sort(h.begin(), h.end(), [higher](const SearchHit& x, const SearchHit& y) {
      return higher ? x.score > y.score : x.score < y.score;
    });
    int64_t n = 0;
    for (size_t j = static_cast<size_t>(k.offset); j < h.size() && n < k.topk; ++j, ++n) {
      const Segment& seg = *segments_[h[j].seg];
      float sc = h[j].score;
      if (k.round_decimal >= 0) {
        double m = std::pow(10.0, k.round_decimal);
        sc = static_cast<float>(std::round(sc * m) / m);
      }
      out->scores.push_back(sc);
      out->ids.AppendRow(seg.columns[static_cast<size_t>(pk_)], h[j].row);
      for (size_t f = 0; f < out->output_fields.size(); ++f)
        out->fields[f].AppendRow(seg.columns[static_cast<size_t>(out->output_fields[f])], h[j].row);
    }
    out->topks.push_back(n);
  }
}

Status Collection::Search(const SearchArgs& a, SearchOutput* out) const {
  if (options_.metadata_only) return RefuseReads();
  std::unique_ptr<Expr> filter;
  if (Status s = PrepareSearch(a, &filter, out); !s.ok()) return s;
  const int dim = schema_.fields[static_cast<size_t>(vec_)].dim;
  std::vector<float> queries = a.queries;
  if (a.knobs.metric == Metric::kCosine)
    for (size_t q = 0; q < a.nq; ++q) Normalize(queries.data() + q * dim, dim);
  std::shared_lock lock(mu_);
  auto hits = SearchSegments(queries, a.nq, a.knobs, filter.get());
  FillSearchOutput(a.knobs, &hits, out);
  return Status::OK();
}

Status Collection::Query(const QueryArgs& a, QueryOutput* out) const {
  if (options_.metadata_only) return RefuseReads();
  std::unique_ptr<Expr> filter;
  Status s = ParseExpr(a.filter, schema_, &filter);
  if (!s.ok()) return s;
  if (!(s = ResolveOutputs(a.output_fields, &out->output_fields, &out->is_count)).ok()) return s;
  if (!filter && !out->is_count && a.limit < 0)
    return Status::InvalidArgument("empty expression should be used with limit");
  // Each bound alone first: limit + offset must not overflow on the way.
  if (a.limit > kMaxTopK || a.offset < 0 || a.offset > kMaxTopK || a.offset + std::max<int64_t>(a.limit, 0) > kMaxTopK)
    return Status::InvalidArgument("limit + offset should be in range [1, 16384], but got limit " +
                                   std::to_string(a.limit) + ", offset " + std::to_string(a.offset));
  out->fields = EmptyColumns(out->output_fields);
  std::shared_lock lock(mu_);
  int64_t matched = 0, emitted = 0;
  auto take = [&](const Segment& seg, size_t r) {
    ++matched;
    if (out->is_count || matched <= a.offset) return true;
    for (size_t f = 0; f < out->output_fields.size(); ++f)
      out->fields[f].AppendRow(seg.columns[static_cast<size_t>(out->output_fields[f])], r);
    ++emitted;
    return a.limit < 0 || emitted < a.limit;
  };
  std::vector<Value> keys;
  if (!out->is_count && ExtractPrimaryKeys(a.filter, schema_, &keys)) {
    for (const auto& key : keys)
      for (const RowRef& ref : FindKey(key)) {
        const Segment& seg = *segments_[ref.segment];
        if (IsLive(seg, ref.row) && !take(seg, ref.row)) return Status::OK();
      }
    return Status::OK();
  }
  if (out->is_count && !filter) {
    out->count = live_rows_;
    return Status::OK();
  }
  for (const auto& seg : segments_)
    for (size_t r = 0; r < seg->rows(); ++r)
      if (IsLive(*seg, r) && (!filter || filter->Eval(seg->columns, r)) && !take(*seg, r)) return Status::OK();
  out->count = matched;
  return Status::OK();
}

int64_t Collection::LiveRows() const {
  std::shared_lock lock(mu_);
  return live_rows_;
}

std::vector<SegmentInfo> Collection::Segments() const {
  std::shared_lock lock(mu_);
  std::vector<SegmentInfo> v;
  for (const auto& seg : segments_) {
    if (seg->rows() == 0) continue;
    size_t bytes = 0;
    for (const auto& c : seg->columns) bytes += c.ByteSize();
    if (seg->index) bytes += seg->index->MemoryBytes();
    v.push_back({seg->id, seg->sealed, Indexed(*seg), static_cast<int64_t>(seg->rows()), bytes});
  }
  return v;
}

size_t Collection::MemoryBytes() const {
  size_t n = 0;
  for (const auto& s : Segments()) n += s.mem_bytes;
  return n;
}

}  // namespace mdrill::engine
