#include "report/html_internal.h"

#include <cmath>
#include <cstdio>

namespace mdrill::report::html {

using nlohmann::json;

std::string Esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Secs(double s) { return Fixed(s, 2) + " s"; }

std::string RtoSecs(const nlohmann::json& rto) {
  auto us = Num(At(rto, "rto_us"));
  if (!us) return "";
  auto unc = Num(At(rto, "uncertainty_us"));
  if (!unc) return Secs(*us / 1e6);
  return Fixed(*us / 1e6, 3) + " \u00b1 " + Fixed(*unc / 1e6, 3) + " s";
}

std::string Latency(int64_t us) {
  if (us < 1000) return std::to_string(us) + " µs";
  if (us < 1'000'000) return Fixed(us / 1e3, us < 100'000 ? 1 : 0) + " ms";
  return Fixed(us / 1e6, 2) + " s";
}

const json& At(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

std::optional<double> Num(const json& j) {
  if (!j.is_number()) return std::nullopt;
  return j.get<double>();
}

int64_t Int(const json& j, int64_t fallback) {
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_number_unsigned()) return static_cast<int64_t>(j.get<uint64_t>());
  if (j.is_number_float()) {
    double v = j.get<double>();
    return std::isfinite(v) && std::fabs(v) < 9e18 ? static_cast<int64_t>(v) : fallback;
  }
  return fallback;
}

std::string Str(const json& j) { return j.is_string() ? j.get<std::string>() : std::string(); }

bool Bool(const json& j, bool fallback) { return j.is_boolean() ? j.get<bool>() : fallback; }

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

namespace {

// Light, printable, no external resource of any kind (the report must open from a
// mail attachment or an air-gapped share). CJK fonts are listed for the Chinese page.
constexpr const char* kCss = R"css(
:root{--fg:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f9}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1120px;padding:20px 28px 40px;color:var(--fg);background:#fff;
font:14px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans","DejaVu Sans","Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif}
h1{font-size:24px;margin:8px 0 2px}
h2{font-size:19px;margin:34px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--fg)}
h3{font-size:15px;margin:18px 0 6px}
p.meta,.muted{color:var(--muted)}
code{font:12.5px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;background:var(--soft);padding:0 3px;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:4px 0 10px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;font-size:13px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.nw{white-space:nowrap}
td.def{color:var(--muted);font-size:12.5px}
.badge{display:inline-block;padding:0 8px;border-radius:9px;font-weight:700;font-size:12px;white-space:nowrap}
.b-pass{background:#d3f2dc;color:#1c5a32}.b-fail{background:#fbd5d5;color:#8a1c1c}.b-nj{background:#fde8c8;color:#7a3e0c}
.verdict{font-size:15px;vertical-align:middle;margin-left:8px}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(168px,1fr));gap:8px;margin:8px 0}
.fig{border:1px solid var(--line);border-radius:6px;padding:6px 10px}
.fig .k{color:var(--muted);font-size:12px}.fig .v{font-size:18px;font-weight:650}.fig .s{color:var(--muted);font-size:12px}
.fig.bad{border-color:#e9a0a0;background:#fff6f6}
.legend{font-size:12.5px;color:var(--muted);margin:2px 0 4px}
.legend span{margin-right:14px;white-space:nowrap}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;vertical-align:-1px}
.sw.ln{height:3px;vertical-align:3px}
.panel{margin:0}
svg{display:block;width:100%;height:auto}
svg text{font-size:11px;fill:#4a5563}
svg .ttl{font-size:12px;font-weight:600;fill:#1f2933}
svg .grid{stroke:#eceff3;stroke-width:1}
svg .axis{stroke:#9aa5b4;stroke-width:1}
svg .band{fill:#f6ad55;fill-opacity:.22}
svg .inst{fill:#dd6b20;fill-opacity:.55}
svg .rto-strict{stroke:#553c9a;stroke-width:2}
svg .rto-seed{stroke:#b83280;stroke-width:2;stroke-dasharray:6 4}
svg .rto-never{stroke:#c53030;stroke-width:2;stroke-dasharray:2 3}
svg .thr{stroke:#718096;stroke-width:1;stroke-dasharray:5 4}
svg .mlabel{font-size:11px;font-weight:600}
svg .note{font-size:13px;fill:#718096}
svg .hover{fill:transparent}
svg .hover:hover{fill:#1f2933;fill-opacity:.06}
.err{border-left:4px solid #c53030;background:#fff6f6;padding:6px 10px;margin:8px 0}
footer{margin-top:36px;color:var(--muted);font-size:12.5px;border-top:1px solid var(--line);padding-top:8px}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@media print{body{max-width:none;padding:0;font-size:12px}section.test{break-before:page}
.panel,.fig,tr,.legend{break-inside:avoid}svg .hover:hover{fill:transparent}}
)css";

}  // namespace

std::string PageStart(Lang lang, const std::string& title) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"";
  s += lang == Lang::kZh ? "zh-CN" : "en";
  s += "\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  s += "<title>" + Esc(title) + "</title>\n<style>" + std::string(kCss) + "</style>\n</head>\n<body>\n";
  return s;
}

std::string PageEnd() { return "</body>\n</html>\n"; }

std::string Badge(Lang lang, Mark mark, bool verdict) {
  const char* cls = mark == Mark::kPass ? "b-pass" : mark == Mark::kFail ? "b-fail" : "b-nj";
  const char* text = mark == Mark::kPass   ? Tr(lang, "PASS")
                     : mark == Mark::kFail ? Tr(lang, "FAIL")
                     : verdict             ? Tr(lang, "COULD NOT JUDGE")
                                           : Tr(lang, "not judged");
  return std::string("<span class=\"badge ") + cls + "\">" + Esc(text) + "</span>";
}

const char* KindColor(const std::string& kind) {
  if (kind == "search") return "#2b6cb0";
  if (kind == "insert") return "#2f855a";
  if (kind == "query") return "#805ad5";
  if (kind == "count") return "#d69e2e";
  if (kind == "probe") return "#4a5568";
  // Any other kind: a stable pick from a spare palette.
  static const char* kSpare[] = {"#319795", "#975a16", "#b83280", "#2c5282"};
  size_t h = 0;
  for (char c : kind) h = h * 31 + static_cast<unsigned char>(c);
  return kSpare[h % 4];
}

}  // namespace mdrill::report::html
