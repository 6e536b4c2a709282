// braid-run plot: the curves of a `braid-run train --metrics` log as an SVG.
#ifndef BRAID_TOOLS_BRAID_RUN_PLOT_H
#define BRAID_TOOLS_BRAID_RUN_PLOT_H

#include <string>

namespace braidrun {

struct PlotOptions {
  std::string metrics; // the JSON Lines log
  std::string output;  // the SVG file
};

/// Draws the training loss and validation loss (one panel), the learning
/// rate and the samples per second of `options.metrics` against the step,
/// each curve the file has; returns the exit status. A file that is not
/// such a log (a line that is not a JSON object, a figure that is not a
/// number, no step or epoch record at all) is an error naming the line.
int plot(const PlotOptions &options);

} // namespace braidrun

#endif // BRAID_TOOLS_BRAID_RUN_PLOT_H
