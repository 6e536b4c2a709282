// SvgChart: line charts as a standalone SVG document, one panel per
// quantity stacked vertically, with axes, ticks, labels and a legend.
#ifndef BRAID_TOOLS_BRAID_RUN_SVGCHART_H
#define BRAID_TOOLS_BRAID_RUN_SVGCHART_H

#include <string>
#include <utility>
#include <vector>

namespace braidrun {

/// One curve: its (x, y) points in drawing order, all finite.
struct Curve {
  std::string name;
  std::vector<std::pair<double, double>> points;
};

/// One panel: curves that share an x and a y axis.
struct Panel {
  std::string title;
  std::string yLabel;
  std::vector<Curve> curves;
};

/// The SVG document of `panels` under `title`, every panel with the x axis
/// `xLabel`. Each curve is one <polyline class="curve" data-name="NAME">
/// holding every one of its points, so a test can count them; a curve of
/// few points also marks each with a circle.
std::string renderSvg(const std::string &title, const std::string &xLabel,
                      const std::vector<Panel> &panels);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_SVGCHART_H
