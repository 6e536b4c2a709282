// braid-run plot: reads the records of docs/training.md ("Progress and
// metrics") and hands their curves to SvgChart.
#include "Plot.h"

#include "Common.h"
#include "SvgChart.h"

#include "runtime/io/AtomicFile.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>

namespace braidrun {

namespace {

/// The curves a log holds, by their x (the global step).
struct Series {
  Curve loss{"loss", {}};
  Curve validation{"validation loss", {}};
  Curve lr{"learning rate", {}};
  Curve throughput{"samples/s", {}};
};

/// `record[key]` when it is a number; unset when absent or null (a
/// non-finite figure is written as null). An error message otherwise.
std::optional<double> figure(const nlohmann::json &record, const char *key,
                             std::string *error) {
  auto it = record.find(key);
  if (it == record.end() || it->is_null())
    return std::nullopt;
  if (!it->is_number()) {
    *error =
        std::string("\"") + key + "\" is " + it->dump() + ", expected a number";
    return std::nullopt;
  }
  return it->get<double>();
}

void add(Curve &curve, double x, std::optional<double> y) {
  if (y)
    curve.points.emplace_back(x, *y);
}

} // namespace

int plot(const PlotOptions &options) {
  std::ifstream in(options.metrics);
  if (!in)
    return fail("cannot read " + options.metrics);

  // Step records give the x axis; an epoch's record is drawn at the last
  // step before it. A log of epoch records alone is drawn by epoch.
  std::vector<nlohmann::json> records;
  std::vector<size_t> lineNumbers;
  std::string line;
  bool anyStep = false;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object())
      return fail(options.metrics + ":" + std::to_string(number) +
                  ": not a JSON object (expected the JSON Lines that "
                  "braid-run train --metrics writes)");
    anyStep = anyStep || record.contains("step");
    records.push_back(std::move(record));
    lineNumbers.push_back(number);
  }
  if (in.bad())
    return fail("cannot read " + options.metrics);

  Series series;
  double lastStep = 0;
  size_t known = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const nlohmann::json &r = records[i];
    std::string error;
    auto at = [&](const char *key) { return figure(r, key, &error); };
    bool isStep = r.contains("step"),
         isValidation = r.contains("validated_at_step"),
         isEpoch = !isStep && !isValidation && r.contains("epoch");
    if (isStep) {
      std::optional<double> step = at("step");
      if (step) {
        lastStep = *step;
        add(series.loss, *step, at("loss"));
        add(series.lr, *step, at("lr"));
        add(series.throughput, *step, at("samples_per_s"));
      }
    } else if (isValidation) {
      if (std::optional<double> step = at("validated_at_step"))
        add(series.validation, *step, at("val_loss"));
    } else if (isEpoch) {
      std::optional<double> epoch = at("epoch");
      double x = anyStep ? lastStep : epoch.value_or(0);
      std::optional<double> validation = at("test_loss");
      if (!validation)
        validation = at("val_loss");
      add(series.validation, x, validation);
      if (!anyStep) {
        add(series.loss, x, at("loss"));
        add(series.throughput, x, at("samples_per_s"));
      }
    }
    if (!error.empty())
      return fail(options.metrics + ":" + std::to_string(lineNumbers[i]) +
                  ": " + error);
    known += isStep || isValidation || isEpoch;
  }
  if (known == 0)
    return fail(options.metrics +
                (records.empty()
                     ? std::string(" is empty")
                     : std::string(" has no step or epoch record")) +
                " (expected the JSON Lines that braid-run train --metrics "
                "writes)");

  std::vector<Panel> panels;
  auto addPanel = [&](std::string title, std::string yLabel,
                      std::vector<Curve> curves) {
    std::vector<Curve> present;
    for (Curve &c : curves)
      if (!c.points.empty())
        present.push_back(std::move(c));
    if (!present.empty())
      panels.push_back(
          {std::move(title), std::move(yLabel), std::move(present)});
  };
  addPanel("Loss", "loss", {series.loss, series.validation});
  addPanel("Learning rate", "learning rate", {series.lr});
  addPanel("Throughput", "samples/s", {series.throughput});
  if (panels.empty())
    return fail(options.metrics + " has no loss, learning rate or samples/s "
                                  "figure to draw");

  std::string svg =
      renderSvg(options.metrics, anyStep ? "step" : "epoch", panels);
  braid::runtime::Status s = braid::runtime::io::writeFileAtomically(
      options.output, svg.data(), svg.size());
  if (!s)
    return fail(s.message());
  return 0;
}

} // namespace braidrun
