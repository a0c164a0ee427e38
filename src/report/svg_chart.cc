#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "report/html_internal.h"

namespace mdrill::report {

using html::Esc;

namespace {

// Coordinates with one decimal: enough for a 1000-unit viewBox, and short.
std::string N(double v) {
  if (!std::isfinite(v)) v = 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Title(const std::string& tooltip) {
  return tooltip.empty() ? std::string() : "<title>" + Esc(tooltip) + "</title>";
}

std::string DefaultFormat(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

double NiceCeil(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v * (1 - 1e-9)) return m * p;
  return 10 * p;
}

std::vector<double> NiceTicks(double min, double max, int target) {
  std::vector<double> out;
  if (!(max > min) || target < 1) return {min};
  double step = NiceCeil((max - min) / target);
  for (double t = std::ceil(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
    out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);  // no "-0" from rounding
  return out;
}

std::vector<double> DecadeTicks(double min, double max) {
  std::vector<double> out;
  if (!(min > 0) || !(max >= min)) return out;
  for (double t = std::pow(10.0, std::floor(std::log10(min))); t <= max * (1 + 1e-9); t *= 10)
    if (t >= min * (1 - 1e-9)) out.push_back(t);
  return out;
}

SvgChart::SvgChart(int width, int height, int left) : width_(width), height_(height), left_(left) {}

double SvgChart::Px(double x) const {
  double span = x_.max - x_.min;
  double f = span > 0 ? (x - x_.min) / span : 0;
  f = std::clamp(f, 0.0, 1.0);
  return left_ + f * (width_ - left_ - right_);
}

double SvgChart::Py(double y) const {
  double f = 0;
  if (y_.log) {
    double lo = std::log10(y_.min), hi = std::log10(y_.max);
    f = hi > lo ? (std::log10(std::max(y, y_.min)) - lo) / (hi - lo) : 0;
  } else {
    double span = y_.max - y_.min;
    f = span > 0 ? (y - y_.min) / span : 0;
  }
  f = std::clamp(f, 0.0, 1.0);
  return height_ - bottom_ - f * (height_ - bottom_ - top_);
}

void SvgChart::Band(double x0, double x1, const std::string& css_class, const std::string& tooltip) {
  double a = Px(x0), b = Px(std::max(x0, x1));
  if (b - a < 3) {
    a -= 1.5;
    b = a + 3;
  }
  bands_ += "<rect class=\"" + css_class + "\" x=\"" + N(a) + "\" y=\"" + N(top_) + "\" width=\"" + N(b - a) +
            "\" height=\"" + N(height_ - bottom_ - top_) + "\">" + Title(tooltip) + "</rect>";
}

namespace {

// Rough width of a label at 11 px: CJK characters are square, Latin about 0.6 em.
double TextWidth(const std::string& text) {
  double w = 0;
  for (unsigned char c : text) {
    if (c >= 0xE0)
      w += 11;  // lead byte of a 3- or 4-byte character (CJK)
    else if (c < 0x80 || c >= 0xC0)
      w += 6.6;  // ASCII, or lead byte of a 2-byte one
  }
  return w;
}

}  // namespace

void SvgChart::VLine(double x, const std::string& css_class, const std::string& label, const std::string& tooltip) {
  double px = Px(x);
  marks_ += "<line class=\"" + css_class + "\" x1=\"" + N(px) + "\" x2=\"" + N(px) + "\" y1=\"" + N(top_) + "\" y2=\"" +
            N(height_ - bottom_) + "\">" + Title(tooltip) + "</line>";
  if (label.empty()) return;
  // Labels near the right edge are written leftwards so they stay inside the chart;
  // each goes in the first row of the strip above the plot where it overprints none.
  double w = TextWidth(label) + 8;
  bool leftwards = px + w > width_ - right_;
  double x0 = leftwards ? px - w : px, x1 = leftwards ? px : px + w;
  int rows = std::max(1, (top_ - 22) / 12);
  int row = rows - 1;
  for (int r = 0; r < rows; ++r) {
    bool free = std::none_of(placed_.begin(), placed_.end(),
                             [&](const Placed& p) { return p.row == r && p.x0 < x1 && x0 < p.x1; });
    if (free) {
      row = r;
      break;
    }
  }
  placed_.push_back({row, x0, x1});
  double ty = 22 + 12 * row + 9;
  marks_ += "<text class=\"mlabel\" x=\"" + N(leftwards ? px - 4 : px + 4) + "\" y=\"" + N(ty) + "\" text-anchor=\"" +
            (leftwards ? "end" : "start") + "\">" + Esc(label) + "</text>";
}

void SvgChart::HLine(double y, const std::string& css_class, const std::string& label, bool label_below) {
  double py = Py(y);
  marks_ += "<line class=\"" + css_class + "\" x1=\"" + N(left_) + "\" x2=\"" + N(width_ - right_) + "\" y1=\"" +
            N(py) + "\" y2=\"" + N(py) + "\"/>";
  if (!label.empty())
    marks_ += "<text x=\"" + N(width_ - right_ - 2) + "\" y=\"" + N(label_below ? py + 12 : py - 3) +
              "\" text-anchor=\"end\">" + Esc(label) + "</text>";
}

void SvgChart::StepArea(const std::vector<double>& edges, const std::vector<double>& lower,
                        const std::vector<double>& upper, const std::string& color, const std::string& tooltip) {
  size_t n = std::min({lower.size(), upper.size(), edges.empty() ? 0 : edges.size() - 1});
  if (n == 0) return;
  // Along the top left to right, back along the bottom right to left.
  std::string d = "M" + N(Px(edges[0])) + " " + N(Py(upper[0]));
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) d += "V" + N(Py(upper[i]));
    d += "H" + N(Px(edges[i + 1]));
  }
  for (size_t i = n; i-- > 0;) {
    d += "V" + N(Py(lower[i]));
    d += "H" + N(Px(edges[i]));
  }
  d += "Z";
  areas_ += "<path d=\"" + d + "\" fill=\"" + color + "\" fill-opacity=\"0.85\">" + Title(tooltip) + "</path>";
}

void SvgChart::Line(const std::vector<double>& xs, const std::vector<std::optional<double>>& ys,
                    const std::string& color, bool dashed, bool dots, const std::vector<std::string>& tooltips) {
  size_t n = std::min(xs.size(), ys.size());
  std::string d;
  bool pen_down = false;
  for (size_t i = 0; i < n; ++i) {
    if (!ys[i]) {
      pen_down = false;
      continue;
    }
    d += (pen_down ? "L" : "M") + N(Px(xs[i])) + " " + N(Py(*ys[i]));
    pen_down = true;
  }
  if (!d.empty())
    lines_ += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.8\"" +
              (dashed ? " stroke-dasharray=\"5 3\"" : "") + " stroke-linejoin=\"round\"/>";
  if (!dots) return;
  for (size_t i = 0; i < n; ++i) {
    if (!ys[i]) continue;
    lines_ += "<circle cx=\"" + N(Px(xs[i])) + "\" cy=\"" + N(Py(*ys[i])) + "\" r=\"3.5\" fill=\"" + color + "\">" +
              Title(i < tooltips.size() ? tooltips[i] : std::string()) + "</circle>";
  }
}

void SvgChart::Rect(double x0, double x1, double y0, double y1, const std::string& color, const std::string& tooltip) {
  double a = Px(x0), b = Px(x1), top = Py(std::max(y0, y1)), bot = Py(std::min(y0, y1));
  areas_ += "<rect x=\"" + N(a) + "\" y=\"" + N(top) + "\" width=\"" + N(std::max(b - a, 1.0)) + "\" height=\"" +
            N(bot - top) + "\" fill=\"" + color + "\">" + Title(tooltip) + "</rect>";
}

void SvgChart::HoverColumn(double x0, double x1, const std::string& tooltip) {
  double a = Px(x0), b = Px(x1);
  overlay_ += "<rect class=\"hover\" x=\"" + N(a) + "\" y=\"" + N(top_) + "\" width=\"" + N(std::max(b - a, 1.0)) +
              "\" height=\"" + N(height_ - bottom_ - top_) + "\">" + Title(tooltip) + "</rect>";
}

void SvgChart::Note(const std::string& text) {
  notes_ += "<text class=\"note\" x=\"" + N((left_ + width_ - right_) / 2.0) + "\" y=\"" +
            N((top_ + height_ - bottom_) / 2.0) + "\" text-anchor=\"middle\">" + Esc(text) + "</text>";
}

void SvgChart::SubLabel(double x, const std::string& text) {
  notes_ += "<text x=\"" + N(Px(x)) + "\" y=\"" + N(height_ - bottom_ + 27) + "\" text-anchor=\"middle\">" + Esc(text) +
            "</text>";
}

std::string SvgChart::Render(const std::string& label) const {
  auto fx = x_.format ? x_.format : DefaultFormat;
  auto fy = y_.format ? y_.format : DefaultFormat;
  double plot_top = top_, plot_bottom = height_ - bottom_;
  std::string grid, axes;
  for (double t : y_.ticks) {
    double py = Py(t);
    grid += "<line class=\"grid\" x1=\"" + N(left_) + "\" x2=\"" + N(width_ - right_) + "\" y1=\"" + N(py) +
            "\" y2=\"" + N(py) + "\"/>";
    axes += "<text x=\"" + N(left_ - 6) + "\" y=\"" + N(py + 4) + "\" text-anchor=\"end\">" + Esc(fy(t)) + "</text>";
  }
  for (double t : x_.ticks) {
    double px = Px(t);
    axes += "<line class=\"axis\" x1=\"" + N(px) + "\" x2=\"" + N(px) + "\" y1=\"" + N(plot_bottom) + "\" y2=\"" +
            N(plot_bottom + 4) + "\"/>";
    axes +=
        "<text x=\"" + N(px) + "\" y=\"" + N(plot_bottom + 15) + "\" text-anchor=\"middle\">" + Esc(fx(t)) + "</text>";
  }
  axes += "<line class=\"axis\" x1=\"" + N(left_) + "\" x2=\"" + N(width_ - right_) + "\" y1=\"" + N(plot_bottom) +
          "\" y2=\"" + N(plot_bottom) + "\"/>";
  axes += "<line class=\"axis\" x1=\"" + N(left_) + "\" x2=\"" + N(left_) + "\" y1=\"" + N(plot_top) + "\" y2=\"" +
          N(plot_bottom) + "\"/>";
  // The y-axis title sits above the plot, left-aligned: rotated text is hard to read.
  if (!y_.title.empty()) axes += "<text class=\"ttl\" x=\"" + N(8) + "\" y=\"14\">" + Esc(y_.title) + "</text>";
  if (!x_.title.empty())
    axes += "<text x=\"" + N(width_ - right_) + "\" y=\"" + N(height_ - 3) + "\" text-anchor=\"end\">" + Esc(x_.title) +
            "</text>";
  std::string s = "<svg viewBox=\"0 0 " + std::to_string(width_) + " " + std::to_string(height_) +
                  "\" role=\"img\" aria-label=\"" + Esc(label) + "\">";
  s += "<title>" + Esc(label) + "</title>";
  s += bands_ + grid + areas_ + lines_ + marks_ + axes + notes_ + overlay_ + "</svg>";
  return s;
}

}  // namespace mdrill::report
