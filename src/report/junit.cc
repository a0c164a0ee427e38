#include "report/junit.h"

#include <cstdio>

#include "drill/check/check.h"

namespace mdrill::report {

namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double Num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::string XmlEscape(const std::string& text) {
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
        out += "&apos;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 (except tab, newline, CR).
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

std::string CheckFigure(const json& check, double v) {
  return drill::FormatFigure(v, drill::CheckFromJson(check).unit);
}

std::string RenderJunit(const std::vector<json>& results, const std::string& suite, const std::string& started_iso) {
  std::string body;
  int all_tests = 0, all_failures = 0, all_errors = 0, all_skipped = 0;
  double all_time = 0;
  for (const auto& r : results) {
    std::string test = Str(r, "test");
    if (test.empty()) test = "unnamed";
    std::string cases;
    int tests = 0, failures = 0, errors = 0, skipped = 0;
    std::string classname = XmlEscape("milvus-drill." + test);
    std::string error = Str(r, "error");
    if (!error.empty() || !r.contains("checks")) {
      ++tests;
      ++errors;
      cases += "    <testcase classname=\"" + classname + "\" name=\"run\" time=\"0\">\n      <error message=\"" +
               XmlEscape(error.empty() ? "no result" : error) + "\" type=\"could-not-run\"/>\n    </testcase>\n";
    }
    if (r.contains("checks") && r["checks"].is_array()) {
      for (const auto& c : r["checks"]) {
        std::string name = Str(c, "name");
        ++tests;
        cases += "    <testcase classname=\"" + classname + "\" name=\"" + XmlEscape(name) + "\" time=\"0\">\n";
        bool judged = c.value("judged", false);
        std::string threshold = Str(c, "comparison") + " " + CheckFigure(c, Num(c, "threshold"));
        std::string measured = drill::FormatMeasured(drill::CheckFromJson(c));
        std::string definition = XmlEscape(Str(c, "definition"));
        if (!judged) {
          ++skipped;
          cases += "      <skipped message=\"" + XmlEscape("not judged: " + Str(c, "definition")) + "\"/>\n";
        } else if (!c.value("pass", false)) {
          ++failures;
          cases += "      <failure message=\"" +
                   XmlEscape(name + ": measured " + measured + ", required " + threshold) + "\" type=\"threshold\">" +
                   definition + "</failure>\n";
        } else {
          cases +=
              "      <system-out>" + XmlEscape("measured " + measured + ", required " + threshold) + "</system-out>\n";
        }
        cases += "    </testcase>\n";
      }
    }
    double time = Num(r, "elapsed_s");
    std::string out;
    if (r.contains("faults") && r["faults"].is_array())
      for (const auto& f : r["faults"])
        if (f.is_string()) out += "fault: " + f.get<std::string>() + "\n";
    out += "history: " + Str(r, "history") + "\n";
    body += "  <testsuite name=\"" + XmlEscape(test) + "\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
            std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" skipped=\"" +
            std::to_string(skipped) + "\" time=\"" + Fixed(time, 3) + "\"" +
            (started_iso.empty() ? "" : " timestamp=\"" + XmlEscape(started_iso) + "\"") + ">\n" + cases +
            "    <system-out>" + XmlEscape(out) + "</system-out>\n  </testsuite>\n";
    all_tests += tests;
    all_failures += failures;
    all_errors += errors;
    all_skipped += skipped;
    all_time += time;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" + XmlEscape(suite) + "\" tests=\"" +
         std::to_string(all_tests) + "\" failures=\"" + std::to_string(all_failures) + "\" errors=\"" +
         std::to_string(all_errors) + "\" skipped=\"" + std::to_string(all_skipped) + "\" time=\"" +
         Fixed(all_time, 3) + "\">\n" + body + "</testsuites>\n";
}

}  // namespace mdrill::report
