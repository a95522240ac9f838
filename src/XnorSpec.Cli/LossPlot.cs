using ScottPlot;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>losses.png: every experiment's step losses against epochs, y from 0 to 1 like the question's plot.</summary>
internal static class LossPlot
{
    public static byte[] Render(ResultsFile results)
    {
        var plot = new Plot();
        double maxEpochs = 1;
        foreach (var e in results.Experiments.Where(e => e.StepLosses.Count > 0))
        {
            // x in epochs, so runs with different batch sizes line up.
            var xs = Enumerable.Range(1, e.StepLosses.Count).Select(i => (double)i / e.StepsPerEpoch).ToArray();
            var line = plot.Add.ScatterLine(xs, e.StepLosses.Select(l => (double)l).ToArray());
            line.LegendText = e.Name;
            line.LineWidth = 2;
            maxEpochs = Math.Max(maxEpochs, xs[^1]);
        }
        var baseline = plot.Add.HorizontalLine(0.25);
        baseline.LinePattern = LinePattern.Dashed;
        baseline.Color = Colors.Gray;
        baseline.LegendText = "0.25: answering 0.5 to everything";

        plot.Axes.SetLimits(0, maxEpochs, 0, 1);
        var encoders = string.Join(", ", results.Experiments.Select(e => e.Experiment.Encoder).Distinct());
        plot.Title($"MSE loss per training step, profile '{results.Profile}'{(encoders.Length > 0 ? $" ({encoders} encoders)" : "")}, seed {results.Seed}");
        plot.XLabel("epoch");
        plot.YLabel("MSE loss");
        plot.ShowLegend(Alignment.UpperRight);
        return plot.GetImageBytes(1000, 560, ImageFormat.Png);
    }
}
