// SvgChart: plain SVG 1.1 text, drawn with nothing but polylines, lines and
// text, so every browser and image viewer shows it.
#include "SvgChart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace braidrun {

namespace {

// The layout, in SVG user units (pixels).
constexpr double kWidth = 800;
constexpr double kPanelHeight = 260;
constexpr double kTitleHeight = 36;
constexpr double kLeft = 80, kRight = 20, kTop = 28, kBottom = 44;
// A curve of fewer points than this also gets a dot at each.
constexpr size_t kMarkedPoints = 50;
// Colours that stay apart for colour-blind readers (Okabe and Ito).
constexpr const char *kColours[] = {"#0072b2", "#d55e00", "#009e73",
                                    "#cc79a7", "#e69f00", "#56b4e9"};

std::string escape(const std::string &text) {
  std::string out;
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
    default:
      out += c;
    }
  }
  return out;
}

std::string number(double v, const char *format = "%.6g") {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

/// The range an axis shows, and its ticks at a round step (1, 2 or 5 times
/// a power of ten) covering it.
struct Axis {
  double lo = 0, hi = 1;
  std::vector<double> ticks;
};

Axis makeAxis(double lo, double hi) {
  if (!(hi > lo)) { // one value: a range around it
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  double raw = (hi - lo) / 5;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  Axis axis;
  axis.lo = std::floor(lo / step) * step;
  axis.hi = std::ceil(hi / step) * step;
  for (double t = axis.lo; t <= axis.hi + step * 1e-9; t += step)
    axis.ticks.push_back(std::fabs(t) < step * 1e-9 ? 0 : t);
  return axis;
}

void drawPanel(std::ostringstream &svg, const Panel &panel,
               const std::string &xLabel, double top) {
  double xMin = INFINITY, xMax = -INFINITY, yMin = INFINITY, yMax = -INFINITY;
  for (const Curve &c : panel.curves)
    for (auto [x, y] : c.points) {
      xMin = std::min(xMin, x);
      xMax = std::max(xMax, x);
      yMin = std::min(yMin, y);
      yMax = std::max(yMax, y);
    }
  Axis xAxis = makeAxis(xMin, xMax), yAxis = makeAxis(yMin, yMax);
  const double left = kLeft, right = kWidth - kRight;
  const double plotTop = top + kTop, bottom = top + kPanelHeight - kBottom;
  auto px = [&](double x) {
    return left + (x - xAxis.lo) / (xAxis.hi - xAxis.lo) * (right - left);
  };
  auto py = [&](double y) {
    return bottom - (y - yAxis.lo) / (yAxis.hi - yAxis.lo) * (bottom - plotTop);
  };

  svg << "<g class=\"panel\">\n";
  svg << "<text x=\"" << left << "\" y=\"" << top + 18
      << "\" font-size=\"14\" font-weight=\"bold\">" << escape(panel.title)
      << "</text>\n";
  // Grid lines and tick labels.
  for (double t : yAxis.ticks) {
    svg << "<line x1=\"" << left << "\" y1=\"" << number(py(t)) << "\" x2=\""
        << right << "\" y2=\"" << number(py(t)) << "\" stroke=\"#e0e0e0\"/>\n";
    svg << "<text x=\"" << left - 6 << "\" y=\"" << number(py(t) + 4)
        << "\" font-size=\"11\" text-anchor=\"end\">" << number(t, "%.4g")
        << "</text>\n";
  }
  for (double t : xAxis.ticks) {
    svg << "<line x1=\"" << number(px(t)) << "\" y1=\"" << bottom << "\" x2=\""
        << number(px(t)) << "\" y2=\"" << bottom + 5
        << "\" stroke=\"black\"/>\n";
    svg << "<text x=\"" << number(px(t)) << "\" y=\"" << bottom + 18
        << "\" font-size=\"11\" text-anchor=\"middle\">" << number(t, "%.4g")
        << "</text>\n";
  }
  // Axes and their labels.
  svg << "<polyline class=\"axes\" fill=\"none\" stroke=\"black\" points=\""
      << left << ',' << plotTop << ' ' << left << ',' << bottom << ' ' << right
      << ',' << bottom << "\"/>\n";
  svg << "<text x=\"" << (left + right) / 2 << "\" y=\"" << bottom + 36
      << "\" font-size=\"12\" text-anchor=\"middle\">" << escape(xLabel)
      << "</text>\n";
  double yMid = (plotTop + bottom) / 2;
  svg << "<text x=\"16\" y=\"" << yMid
      << "\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
      << yMid << ")\">" << escape(panel.yLabel) << "</text>\n";

  // The curves, then the legend over them (top right).
  size_t index = 0;
  for (const Curve &c : panel.curves) {
    const char *colour = kColours[index++ % std::size(kColours)];
    svg << "<polyline class=\"curve\" data-name=\"" << escape(c.name)
        << "\" fill=\"none\" stroke=\"" << colour
        << "\" stroke-width=\"1.5\" points=\"";
    for (size_t i = 0; i < c.points.size(); ++i)
      svg << (i ? " " : "") << number(px(c.points[i].first)) << ','
          << number(py(c.points[i].second));
    svg << "\"/>\n";
    if (c.points.size() < kMarkedPoints)
      for (auto [x, y] : c.points)
        svg << "<circle cx=\"" << number(px(x)) << "\" cy=\"" << number(py(y))
            << "\" r=\"2.5\" fill=\"" << colour << "\"/>\n";
  }
  index = 0;
  for (const Curve &c : panel.curves) {
    const char *colour = kColours[index % std::size(kColours)];
    double y = plotTop + 8 + 16 * index++;
    svg << "<line x1=\"" << right - 150 << "\" y1=\"" << y << "\" x2=\""
        << right - 128 << "\" y2=\"" << y << "\" stroke=\"" << colour
        << "\" stroke-width=\"2\"/>\n";
    svg << "<text x=\"" << right - 122 << "\" y=\"" << y + 4
        << "\" font-size=\"11\">" << escape(c.name) << "</text>\n";
  }
  svg << "</g>\n";
}

} // namespace

std::string renderSvg(const std::string &title, const std::string &xLabel,
                      const std::vector<Panel> &panels) {
  double height = kTitleHeight + kPanelHeight * panels.size();
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\""
      << kWidth << "\" height=\"" << height << "\" viewBox=\"0 0 " << kWidth
      << ' ' << height << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << kWidth / 2 << "\" y=\"24\" font-size=\"16\" "
      << "text-anchor=\"middle\">" << escape(title) << "</text>\n";
  for (size_t i = 0; i < panels.size(); ++i)
    drawPanel(svg, panels[i], xLabel, kTitleHeight + kPanelHeight * i);
  svg << "</svg>\n";
  return svg.str();
}

} // namespace braidrun
