// A small structure-aware mutator for fuzz targets whose input is a list of
// protobuf requests (fuzz_service.cc): it edits a request as a message, one field
// found by reflection at any depth set to a value chosen to hurt (limits, overflows,
// NaN, deep nesting, names that exist and that do not), instead of flipping bytes
// that mostly fail to parse.
#pragma once

#include <google/protobuf/message.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace fuzz {

inline std::string HurtfulString(std::mt19937* rng) {
  static const std::vector<std::string> kStrings = {"",
                                                    "c",
                                                    "c2",
                                                    "id",
                                                    "tag",
                                                    "vec",
                                                    "id > 0",
                                                    "id in [1, 2]",
                                                    "not id > 0",
                                                    std::string(120, '('),
                                                    "tag like \"%\"",
                                                    "json_field[\"a\"] > 1",
                                                    "{\"nprobe\": 1e309}",
                                                    "{\"nlist\": -1}",
                                                    "{",
                                                    "[[[[[[[[",
                                                    "9223372036854775807",
                                                    "-9223372036854775808",
                                                    "1e400",
                                                    "nan",
                                                    "IVF_FLAT",
                                                    "HNSW",
                                                    "L2",
                                                    "IP",
                                                    "COSINE",
                                                    "topk",
                                                    "offset",
                                                    "limit",
                                                    "params",
                                                    "metric_type",
                                                    "index_type",
                                                    "dim",
                                                    "max_length",
                                                    "65536",
                                                    "16385",
                                                    "count(*)",
                                                    "*",
                                                    "%",
                                                    "\xef\xbf\xbd"};
  std::string s = kStrings[(*rng)() % kStrings.size()];
  if ((*rng)() % 4 == 0) s += std::to_string(static_cast<int32_t>((*rng)()));
  return s;
}

// Sets `f` of `m` (one more element when repeated) to a value chosen to hurt.
inline void Hurt(google::protobuf::Message* m, const google::protobuf::FieldDescriptor* f, std::mt19937* rng) {
  using FD = google::protobuf::FieldDescriptor;
  const auto* r = m->GetReflection();
  static const int64_t kInts[] = {0,
                                  -1,
                                  1,
                                  2,
                                  16384,
                                  16385,
                                  std::numeric_limits<int32_t>::max(),
                                  std::numeric_limits<int32_t>::min(),
                                  std::numeric_limits<int64_t>::max() - 5,
                                  std::numeric_limits<int64_t>::min()};
  static const double kReals[] = {0.0, -0.0, 1e30, -1e30, std::nan(""), INFINITY, 1e-45};
  const int64_t i = (*rng)() % 3 == 0 ? static_cast<int64_t>((*rng)()) : kInts[(*rng)() % std::size(kInts)];
  const double d = kReals[(*rng)() % std::size(kReals)];
  const bool rep = f->is_repeated();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32:
      rep ? r->AddInt32(m, f, int32_t(i)) : r->SetInt32(m, f, int32_t(i));
      break;
    case FD::CPPTYPE_INT64:
      rep ? r->AddInt64(m, f, i) : r->SetInt64(m, f, i);
      break;
    case FD::CPPTYPE_UINT32:
      rep ? r->AddUInt32(m, f, uint32_t(i)) : r->SetUInt32(m, f, uint32_t(i));
      break;
    case FD::CPPTYPE_UINT64:
      rep ? r->AddUInt64(m, f, uint64_t(i)) : r->SetUInt64(m, f, uint64_t(i));
      break;
    case FD::CPPTYPE_FLOAT:
      rep ? r->AddFloat(m, f, float(d)) : r->SetFloat(m, f, float(d));
      break;
    case FD::CPPTYPE_DOUBLE:
      rep ? r->AddDouble(m, f, d) : r->SetDouble(m, f, d);
      break;
    case FD::CPPTYPE_BOOL:
      rep ? r->AddBool(m, f, i & 1) : r->SetBool(m, f, i & 1);
      break;
    case FD::CPPTYPE_ENUM:
      rep ? r->AddEnumValue(m, f, int(i % 200)) : r->SetEnumValue(m, f, int(i % 200));
      break;
    case FD::CPPTYPE_STRING: {
      std::string v =
          f->type() == FD::TYPE_BYTES && (*rng)() % 2 ? std::string((*rng)() % 64, char((*rng)())) : HurtfulString(rng);
      rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
      break;
    }
    case FD::CPPTYPE_MESSAGE: {
      google::protobuf::Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
      const auto* sd = sub->GetDescriptor();
      if (sd->field_count() > 0) Hurt(sub, sd->field((*rng)() % sd->field_count()), rng);
      break;
    }
  }
}

// One field of the request (or of a message already in it) hurt; its serialization.
inline std::string MutateRequest(const google::protobuf::Message& type, const std::string& bytes, std::mt19937* rng) {
  std::unique_ptr<google::protobuf::Message> m(type.New());
  if (!m->ParseFromString(bytes)) m->Clear();
  google::protobuf::Message* at = m.get();
  // Walk into a set sub-message now and then, so depth is reached without growing.
  for (int depth = 0; depth < 3 && (*rng)() % 2 == 0; ++depth) {
    std::vector<const google::protobuf::FieldDescriptor*> set;
    at->GetReflection()->ListFields(*at, &set);
    std::vector<google::protobuf::Message*> subs;
    for (const auto* f : set)
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        const auto* r = at->GetReflection();
        if (f->is_repeated())
          subs.push_back(r->MutableRepeatedMessage(at, f, int((*rng)() % r->FieldSize(*at, f))));
        else
          subs.push_back(r->MutableMessage(at, f));
      }
    if (subs.empty()) break;
    at = subs[(*rng)() % subs.size()];
  }
  const auto* d = at->GetDescriptor();
  if (d->field_count() > 0) Hurt(at, d->field((*rng)() % d->field_count()), rng);
  return m->SerializeAsString();
}

// Structure-aware mutation of an input that is a list of (op byte, length byte,
// request bytes): one request hurt (or a new one added), or, a quarter of the time,
// libFuzzer's own byte mutation. `type(op)` is the request type an op byte means.
inline size_t MutateRequests(uint8_t* data, size_t size, size_t max_size, unsigned int seed,
                             const google::protobuf::Message& (*type)(uint8_t)) {
  std::mt19937 rng(seed);
  std::vector<std::pair<uint8_t, std::string>> reqs;
  for (size_t at = 0; reqs.size() < 8 && at + 2 <= size;) {
    const size_t len = std::min<size_t>(data[at + 1], size - at - 2);
    reqs.emplace_back(data[at], std::string(reinterpret_cast<const char*>(data + at + 2), len));
    at += 2 + len;
  }
  const unsigned choice = rng() % 4;
  if (choice == 0) return LLVMFuzzerMutate(data, size, max_size);
  if (reqs.empty() || (choice == 1 && reqs.size() < 8)) {
    const uint8_t op = static_cast<uint8_t>(rng());
    reqs.insert(reqs.begin() + static_cast<long>(reqs.empty() ? 0 : rng() % (reqs.size() + 1)),
                {op, MutateRequest(type(op), "", &rng)});
  } else {
    auto& [op, bytes] = reqs[rng() % reqs.size()];
    bytes = MutateRequest(type(op), bytes, &rng);
  }
  std::string out;
  for (const auto& [op, bytes] : reqs) {
    if (bytes.size() > 255) return LLVMFuzzerMutate(data, size, max_size);  // a length byte holds 255
    out += static_cast<char>(op);
    out += static_cast<char>(bytes.size());
    out += bytes;
  }
  if (out.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::copy(out.begin(), out.end(), data);
  return out.size();
}

}  // namespace fuzz
