#include "engine/index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <queue>

namespace mdrill::engine {
namespace {

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Status ParseMetric(const std::string& raw, Metric* m) {
  std::string s = Upper(raw);
  if (s == "L2")
    *m = Metric::kL2;
  else if (s == "IP")
    *m = Metric::kIP;
  else if (s == "COSINE")
    *m = Metric::kCosine;
  else
    return Status(code::kParameterInvalid, legacy::kIllegalMetricType,
                  "invalid metric type: " + raw + " (supported: L2, IP, COSINE)");
  return Status::OK();
}

// Merges a JSON "params" object and flattened keys into one string map.
Status Flatten(const std::map<std::string, std::string>& kv, std::map<std::string, std::string>* out) {
  *out = kv;
  auto it = kv.find("params");
  if (it == kv.end() || it->second.empty()) return Status::OK();
  nlohmann::json j = nlohmann::json::parse(it->second, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::InvalidArgument("params must be a JSON object, got: " + it->second);
  for (auto& [k, v] : j.items()) {
    if (v.is_string())
      (*out)[k] = v.get<std::string>();
    else
      (*out)[k] = v.dump();
  }
  return Status::OK();
}

// Reads an integer parameter within [lo, hi]; `*present` says whether it was given.
Status IntParam(const std::map<std::string, std::string>& p, const std::string& key, long long lo, long long hi,
                int legacy_code, int* out, bool* present) {
  auto it = p.find(key);
  *present = it != p.end();
  if (!*present) return Status::OK();
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
    return Status(code::kParameterInvalid, legacy_code,
                  "param '" + key + "' (" + it->second + ") should be in range [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "]");
  *out = static_cast<int>(v);
  return Status::OK();
}

faiss::MetricType FaissMetric(Metric m) { return m == Metric::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT; }

}  // namespace

const char* MetricName(Metric m) {
  switch (m) {
    case Metric::kL2:
      return "L2";
    case Metric::kIP:
      return "IP";
    case Metric::kCosine:
      return "COSINE";
  }
  return "L2";
}

Status ParseIndexSpec(const std::map<std::string, std::string>& extra, IndexSpec* out) {
  std::map<std::string, std::string> p;
  Status s = Flatten(extra, &p);
  if (!s.ok()) return s;
  IndexSpec spec;
  auto it = p.find("index_type");
  spec.type_name = Upper(it == p.end() || it->second.empty() ? "AUTOINDEX" : it->second);
  it = p.find("metric_type");
  if (it == p.end() || it->second.empty())
    spec.metric = Metric::kCosine;  // upstream's default for float vectors
  else if (!(s = ParseMetric(it->second, &spec.metric)).ok())
    return s;
  nlohmann::json params = nlohmann::json::object();
  bool present = false;
  if (spec.type_name == "FLAT") {
    spec.type = IndexType::kFlat;
  } else if (spec.type_name == "IVF_FLAT") {
    spec.type = IndexType::kIvfFlat;
    spec.nlist = 128;
    if (!(s = IntParam(p, "nlist", 1, 65536, legacy::kIllegalNlist, &spec.nlist, &present)).ok()) return s;
    params["nlist"] = spec.nlist;
  } else if (spec.type_name == "HNSW" || spec.type_name == "AUTOINDEX") {
    spec.type = IndexType::kHnsw;
    spec.m = spec.type_name == "HNSW" ? 16 : 18;
    spec.ef_construction = spec.type_name == "HNSW" ? 200 : 240;
    if (!(s = IntParam(p, "M", 2, 2048, legacy::kIllegalArgument, &spec.m, &present)).ok()) return s;
    if (!(s = IntParam(p, "efConstruction", 1, std::numeric_limits<int>::max(), legacy::kIllegalArgument,
                       &spec.ef_construction, &present))
             .ok())
      return s;
    params["M"] = spec.m;
    params["efConstruction"] = spec.ef_construction;
  } else {
    return Status(code::kIndexNotSupported, legacy::kIllegalIndexType,
                  "invalid index type: " + spec.type_name + " (supported: FLAT, IVF_FLAT, HNSW, AUTOINDEX)");
  }
  spec.params_json = params.dump();
  spec.index_name = out->index_name;
  *out = spec;
  return Status::OK();
}

Status ParseSearchKnobs(const std::map<std::string, std::string>& kv, const IndexSpec* index, SearchKnobs* out) {
  std::map<std::string, std::string> p;
  Status s = Flatten(kv, &p);
  if (!s.ok()) return s;
  SearchKnobs k;
  bool present = false;
  if (!(s = IntParam(p, "topk", 1, kMaxTopK, legacy::kIllegalTopK, &k.topk, &present)).ok())
    return Status(code::kParameterInvalid, legacy::kIllegalTopK,
                  "topk [" + p["topk"] + "] is invalid, it should be in range [1, 16384]");
  if (!present) return Status(code::kParameterMissing, legacy::kIllegalTopK, "topk not found in search_params");
  if (!(s = IntParam(p, "offset", 0, kMaxTopK, legacy::kIllegalArgument, &k.offset, &present)).ok()) return s;
  if (k.topk + k.offset > kMaxTopK)
    return Status(code::kParameterInvalid, legacy::kIllegalTopK,
                  "topk + offset should be in range [1, 16384], but got " + std::to_string(k.topk + k.offset));
  if (!(s = IntParam(p, "round_decimal", -1, 6, legacy::kIllegalArgument, &k.round_decimal, &present)).ok()) return s;
  auto it = p.find("ignore_growing");
  k.ignore_growing = it != p.end() && Lower(it->second) == "true";
  if (index == nullptr)
    return Status::IndexNotFound("there is no vector index on the collection: create one and load first");
  k.metric = index->metric;
  it = p.find("metric_type");
  if (it != p.end() && !it->second.empty()) {
    Metric m;
    if (!(s = ParseMetric(it->second, &m)).ok()) return s;
    if (m != index->metric)
      return Status(code::kParameterInvalid, legacy::kIllegalMetricType,
                    std::string("metric type not match: invalid parameter[expected=") + MetricName(index->metric) +
                        "][actual=" + MetricName(m) + "]");
  }
  if (index->type == IndexType::kIvfFlat) {
    k.nprobe = std::min(8, index->nlist);
    if (!(s = IntParam(p, "nprobe", 1, index->nlist, legacy::kIllegalArgument, &k.nprobe, &present)).ok())
      return Status(code::kParameterInvalid, legacy::kIllegalArgument,
                    "nprobe (" + p["nprobe"] + ") should be in range [1, nlist=" + std::to_string(index->nlist) + "]");
  } else if (index->type == IndexType::kHnsw) {
    k.ef = std::max(k.topk + k.offset, 16);
    if (!(s = IntParam(p, "ef", 1, 32768, legacy::kIllegalArgument, &k.ef, &present)).ok()) return s;
    if (k.ef < k.topk + k.offset)
      return Status::InvalidArgument("ef (" + std::to_string(k.ef) + ") should be larger than k (" +
                                     std::to_string(k.topk + k.offset) + ")");
  }
  *out = k;
  return Status::OK();
}

void Normalize(float* v, int dim) {
  float n = std::sqrt(faiss::fvec_norm_L2sqr(v, static_cast<size_t>(dim)));
  if (n > 0)
    for (int i = 0; i < dim; ++i) v[i] /= n;
}

VectorIndex::~VectorIndex() = default;

Status VectorIndex::Build(const IndexSpec& spec, const float* data, size_t n, int dim,
                          std::unique_ptr<VectorIndex>* out) {
  std::unique_ptr<VectorIndex> vi(new VectorIndex());
  vi->spec_ = spec;
  vi->rows_ = n;
  vi->dim_ = dim;
  try {
    auto metric = FaissMetric(spec.metric);
    switch (spec.type) {
      case IndexType::kFlat:
        vi->index_ = std::make_unique<faiss::IndexFlat>(dim, metric);
        break;
      case IndexType::kIvfFlat: {
        vi->quantizer_ = std::make_unique<faiss::IndexFlat>(dim, metric);
        auto ivf =
            std::make_unique<faiss::IndexIVFFlat>(vi->quantizer_.get(), dim, static_cast<size_t>(spec.nlist), metric);
        ivf->cp.niter = 10;
        ivf->train(static_cast<faiss::Index::idx_t>(n), data);
        vi->index_ = std::move(ivf);
        break;
      }
      case IndexType::kHnsw: {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(dim, spec.m, metric);
        hnsw->hnsw.efConstruction = spec.ef_construction;
        vi->index_ = std::move(hnsw);
        break;
      }
    }
    vi->index_->add(static_cast<faiss::Index::idx_t>(n), data);
  } catch (const std::exception& e) {
    return Status(code::kServiceInternal, 21 /*BuildIndexError*/, std::string("index build failed: ") + e.what());
  }
  *out = std::move(vi);
  return Status::OK();
}

void VectorIndex::Search(const float* queries, size_t nq, int k, const SearchKnobs& knobs, const uint8_t* bitmap,
                         float* scores, int64_t* labels) const {
  std::unique_ptr<faiss::IDSelectorBitmap> sel;
  if (bitmap != nullptr) sel = std::make_unique<faiss::IDSelectorBitmap>(rows_, bitmap);
  faiss::SearchParametersIVF ivf;
  faiss::SearchParametersHNSW hnsw;
  faiss::SearchParameters flat;
  faiss::SearchParameters* params = &flat;
  if (spec_.type == IndexType::kIvfFlat) {
    ivf.nprobe = static_cast<size_t>(knobs.nprobe);
    params = &ivf;
  } else if (spec_.type == IndexType::kHnsw) {
    hnsw.efSearch = knobs.ef;
    params = &hnsw;
  }
  params->sel = sel.get();
  std::vector<faiss::Index::idx_t> ids(nq * static_cast<size_t>(k));
  index_->search(static_cast<faiss::Index::idx_t>(nq), queries, k, scores, ids.data(), params);
  for (size_t i = 0; i < ids.size(); ++i) labels[i] = ids[i];
}

Status VectorIndex::Save(const std::string& path) const {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  try {
    faiss::write_index(index_.get(), tmp.c_str());
  } catch (const std::exception& e) {
    ::unlink(tmp.c_str());
    return Status::Internal(std::string("cannot write index ") + tmp + ": " + e.what());
  }
  int fd = ::open(tmp.c_str(), O_RDONLY);
  const bool synced = fd >= 0 && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Status::Internal("cannot put index " + path + " in place");
  }
  return Status::OK();
}

Status VectorIndex::Load(const IndexSpec& spec, const std::string& path, size_t n, int dim,
                         std::unique_ptr<VectorIndex>* out) {
  std::unique_ptr<faiss::Index> index;
  try {
    index.reset(faiss::read_index(path.c_str()));
  } catch (const std::exception& e) {
    return Status::InvalidArgument("index " + path + " does not read: " + e.what());
  }
  const bool type_ok = spec.type == IndexType::kFlat      ? dynamic_cast<faiss::IndexFlat*>(index.get()) != nullptr
                       : spec.type == IndexType::kIvfFlat ? dynamic_cast<faiss::IndexIVFFlat*>(index.get()) != nullptr
                                                          : dynamic_cast<faiss::IndexHNSWFlat*>(index.get()) != nullptr;
  if (!type_ok || index->ntotal != static_cast<faiss::Index::idx_t>(n) || index->d != dim ||
      index->metric_type != FaissMetric(spec.metric))
    return Status::InvalidArgument("index " + path + " is not this segment's (" + std::to_string(index->ntotal) +
                                   " vectors of " + std::to_string(index->d) + ")");
  std::unique_ptr<VectorIndex> vi(new VectorIndex());
  vi->spec_ = spec;
  vi->rows_ = n;
  vi->dim_ = dim;
  vi->index_ = std::move(index);  // an IVF index read back owns its quantizer
  *out = std::move(vi);
  return Status::OK();
}

size_t VectorIndex::MemoryBytes() const {
  size_t vectors = rows_ * static_cast<size_t>(dim_) * sizeof(float);
  if (spec_.type == IndexType::kHnsw) return vectors + rows_ * static_cast<size_t>(spec_.m) * 2 * 4;
  return vectors;
}

void BruteForceSearch(Metric metric, const float* data, const float* norms, size_t n, int dim, const float* queries,
                      size_t nq, int k, const uint8_t* bitmap, float* scores, int64_t* labels) {
  const bool higher = HigherIsBetter(metric);
  const size_t d = static_cast<size_t>(dim);
  using Hit = std::pair<float, int64_t>;
  for (size_t q = 0; q < nq; ++q) {
    const float* x = queries + q * d;
    // Keeps the k best; the heap's top is the worst of them.
    auto worse = [higher](const Hit& a, const Hit& b) { return higher ? a.first > b.first : a.first < b.first; };
    std::priority_queue<Hit, std::vector<Hit>, decltype(worse)> heap(worse);
    for (size_t i = 0; i < n; ++i) {
      if (bitmap != nullptr && !(bitmap[i >> 3] & (1u << (i & 7)))) continue;
      const float* y = data + i * d;
      float s = metric == Metric::kL2 ? faiss::fvec_L2sqr(x, y, d) : faiss::fvec_inner_product(x, y, d);
      if (metric == Metric::kCosine) s = norms[i] > 0 ? s / norms[i] : 0.0f;
      if (heap.size() < static_cast<size_t>(k)) {
        heap.emplace(s, static_cast<int64_t>(i));
      } else if (higher ? s > heap.top().first : s < heap.top().first) {
        heap.pop();
        heap.emplace(s, static_cast<int64_t>(i));
      }
    }
    size_t found = heap.size();
    for (size_t j = static_cast<size_t>(k); j > found; --j) {
      scores[q * k + j - 1] = higher ? -std::numeric_limits<float>::max() : std::numeric_limits<float>::max();
      labels[q * k + j - 1] = -1;
    }
    for (size_t j = found; j > 0; --j) {
      scores[q * k + j - 1] = heap.top().first;
      labels[q * k + j - 1] = heap.top().second;
      heap.pop();
    }
  }
}

}  // namespace mdrill::engine
