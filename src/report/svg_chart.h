// A small inline-SVG chart for the HTML reports: one plot area with an x and a y
// axis, and layers of shapes in data coordinates. No script: hover text is SVG
// <title>, which browsers show natively. Internal to src/report.
//
// Every string handed in (titles, labels, tooltips) is plain text; the chart
// escapes it. Colours and CSS classes are the caller's literals, not escaped.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mdrill::report {

struct ChartAxis {
  double min = 0, max = 1;
  bool log = false;                           // log10 scale; min and max must be > 0 (values <= 0 clamp to min)
  std::vector<double> ticks;                  // where to draw a tick, a grid line and a label
  std::function<std::string(double)> format;  // tick label; default "%g"
  std::string title;
};

// Ticks at 1, 2 or 5 x 10^k covering [min, max], about `target` of them.
std::vector<double> NiceTicks(double min, double max, int target);
// The smallest nice value (1, 2, 5 x 10^k) >= v; 1 for v <= 0.
double NiceCeil(double v);
// Powers of ten covering [min, max] (both > 0).
std::vector<double> DecadeTicks(double min, double max);

class SvgChart {
 public:
  // `width` x `height` is the viewBox; the SVG scales to its container's width.
  // `left` is the room kept for the y-axis labels.
  SvgChart(int width, int height, int left = 64);

  void SetX(ChartAxis axis) { x_ = std::move(axis); }
  void SetY(ChartAxis axis) { y_ = std::move(axis); }
  // Room above the plot: 24 px for the y-axis title, plus 12 px for each row of
  // VLine labels wanted (default 24: the title only, labels then share one row).
  void SetTopMargin(int px) { top_ = px; }
  // Room under the plot for the x tick labels and the x-axis title (default 34);
  // 48 fits a line of SubLabel too.
  void SetBottomMargin(int px) { bottom_ = px; }

  // A shaded span [x0, x1] the full height of the plot (a fault window). When it is
  // narrower than 3 px it is drawn as a 3 px band so an instantaneous event shows.
  void Band(double x0, double x1, const std::string& css_class, const std::string& tooltip);
  // A vertical line at x with an optional label above the plot. Labels go in rows
  // of the strip SetTopMargin keeps, the first row where they overprint no other.
  void VLine(double x, const std::string& css_class, const std::string& label, const std::string& tooltip);
  // A horizontal line at y across the plot with a label at its right end, above
  // the line or below it (to keep clear of data that runs along above it).
  void HLine(double y, const std::string& css_class, const std::string& label, bool label_below = false);
  // A filled step area: over [edges[i], edges[i+1]) from lower[i] to upper[i].
  void StepArea(const std::vector<double>& edges, const std::vector<double>& lower, const std::vector<double>& upper,
                const std::string& color, const std::string& tooltip);
  // A polyline through (xs[i], ys[i]), broken where ys[i] is none; dots at the points
  // when `dots` (with `tooltips[i]` on each when given).
  void Line(const std::vector<double>& xs, const std::vector<std::optional<double>>& ys, const std::string& color,
            bool dashed, bool dots, const std::vector<std::string>& tooltips = {});
  // A rectangle in data coordinates (a bar).
  void Rect(double x0, double x1, double y0, double y1, const std::string& color, const std::string& tooltip);
  // An invisible column [x0, x1] over the full height carrying hover text.
  void HoverColumn(double x0, double x1, const std::string& tooltip);
  // Text centred in the plot (e.g. "nothing failed").
  void Note(const std::string& text);
  // Extra tick labels under the x axis (a second line: e.g. dates under run numbers).
  void SubLabel(double x, const std::string& text);

  // The <svg> element. `label` becomes its aria-label and <title>.
  std::string Render(const std::string& label) const;

  double Px(double x) const;  // data -> viewBox coordinates
  double Py(double y) const;

 private:
  int width_, height_, left_;
  int top_ = 24, right_ = 16, bottom_ = 34;
  ChartAxis x_, y_;
  std::string bands_, areas_, lines_, marks_, overlay_, notes_;
  struct Placed {
    int row;
    double x0, x1;
  };
  std::vector<Placed> placed_;  // VLine labels so far
};

}  // namespace mdrill::report
