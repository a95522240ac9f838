using Spectre.Console;
using XnorSpec.Experiments;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>
/// Shows training as it happens: a live bar per experiment on a terminal (steps, elapsed, remaining,
/// current loss, like the question's tqdm bar); one plain line per epoch when the output is a log.
/// </summary>
internal static class RunDisplay
{
    public static bool IsLive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>
    /// Calls <paramref name="run"/> once per experiment with a progress sink for it, until
    /// <paramref name="stopped"/> says the run is over (an interruption, a failure): the experiments
    /// after that are neither announced nor started.
    /// </summary>
    public static void Show(IReadOnlyList<Experiment> experiments, Action<int, IProgress<StepReport>> run, Func<bool>? stopped = null)
    {
        stopped ??= () => false;
        if (!IsLive)
        {
            for (int i = 0; i < experiments.Count && !stopped(); i++)
            {
                var e = experiments[i];
                Console.WriteLine($"[{i + 1}/{experiments.Count}] {e.Name}: {Settings(e)}");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var losses = new List<float>();
                run(i, new SyncProgress<StepReport>(r =>
                {
                    losses.Add(r.Loss);
                    if (r.Step == r.StepsPerEpoch - 1)
                    {
                        Console.WriteLine($"  epoch {r.Epoch + 1}/{e.Epochs}: mean loss {losses.Average():F4}, last step {r.Loss:F4}, {clock.Elapsed.TotalSeconds:F1} s");
                        losses.Clear();
                    }
                }));
            }
            return;
        }

        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 16 }, new PercentageColumn(),
                     new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var tasks = experiments.Select(e => context.AddTask(Markup.Escape(e.Name), autoStart: false,
                    maxValue: e.Epochs * e.StepsPerEpoch)).ToArray();
                for (int i = 0; i < experiments.Count && !stopped(); i++)
                {
                    var (task, e) = (tasks[i], experiments[i]);
                    task.StartTask();
                    run(i, new SyncProgress<StepReport>(r =>
                    {
                        task.Increment(1);
                        task.Description = Markup.Escape($"{e.Name,-20} epoch {r.Epoch + 1,2}/{e.Epochs}  loss {r.Loss:F4}");
                    }));
                    task.StopTask();
                }
            });
    }

    private const double UnsettledGap = 0.25;

    public static string Settings(Experiment e) =>
        (e.IsRealImages ? $"{e.Data}, {e.Encoder}, " : "") + $"{e.ImageSize}px, batch {e.BatchSize}, lr {e.LearningRate}, momentum {e.Momentum}, {e.Epochs} epochs of {e.Pairs} pairs, seed {e.Seed}";

    /// <summary>experiment | final loss | BB BW WB WW | verdict | time; real-image runs show held-out MSE and accuracy instead of BB..WW.</summary>
    public static void Table(ResultsFile results)
    {
        // Logs are not terminals; Spectre would wrap the table at 80 columns.
        if (!IsLive) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        bool anyUnsettled = false, realImages = results.Experiments.Any(e => e.Data != nameof(Data.PairData.Colours));
        var table = new Table().Border(IsLive ? TableBorder.Rounded : TableBorder.Ascii);
        table.AddColumns(realImages
            ? ["experiment", "final loss", "held-out MSE", "held-out accuracy", "pairs", "verdict", "time"]
            : ["experiment", "final loss", "BB", "BW", "WB", "WW", "verdict", "time"]);
        foreach (var c in table.Columns.Skip(1).Take(realImages ? 4 : 5)) c.RightAligned();
        foreach (var e in results.Experiments)
        {
            var verdict = e.Verdict switch
            {
                "learned" => "[green]learned[/]",
                var v when v == "stays near 0.5" || v.StartsWith("not learned") => $"[yellow]{Markup.Escape(v)}[/]",
                var v => Markup.Escape(v),
            };
            var finalLoss = e.FinalLoss?.ToString("F4") ?? "-";
            if (realImages)
            {
                table.AddRow(Markup.Escape(e.Name), finalLoss, e.HeldOut?.Mse.ToString("F4") ?? "-", e.HeldOut?.Accuracy.ToString("F3") ?? "-",
                    e.HeldOut?.Pairs.ToString() ?? "-", verdict, $"{e.Seconds:F0} s");
                continue;
            }
            // BatchNorm's running statistics can lag far behind the weights after little training
            // (seen with ResNet18 on 32x32 images); eval-mode outputs are then marked rather than silently shown.
            bool unsettled = e.Predictions.Any(p => e.TrainModePredictions.TryGetValue(p.Key, out var t) && Math.Abs(t - p.Value) > UnsettledGap);
            anyUnsettled |= unsettled;
            string P(string pair) => e.Predictions.TryGetValue(pair, out var p) ? p.ToString("F3") + (unsettled ? "*" : "") : "-";
            table.AddRow(Markup.Escape(e.Name), finalLoss, P("BB"), P("BW"), P("WB"), P("WW"), verdict, $"{e.Seconds:F0} s");
        }
        AnsiConsole.Write(table);
        Console.WriteLine(realImages
            ? "final loss: mean step loss of the last epoch. held-out: MSE and accuracy (output > 0.5 means same) on test-split pairs no training pair uses, "
              + "in eval mode; the verdict reads the held-out MSE. The bound for heads whose logit adds up, f(query) + g(template), is 0.25."
            : "final loss: mean step loss of the last epoch. BB..WW: output for a black/white query and template, in eval mode.");
        if (anyUnsettled)
            Console.WriteLine($"*: eval-mode outputs differ by more than {UnsettledGap} from the same model's training-mode (batch statistics) outputs: "
                + "BatchNorm's running statistics have not settled. results.json has both (trainModePredictions).");
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
