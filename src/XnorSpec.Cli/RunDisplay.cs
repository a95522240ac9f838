using Spectre.Console;
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

    public static string Settings(Experiment e) =>
        $"{e.Data}, {e.Encoder}, {e.ImageSize}px, batch {e.BatchSize}, lr {e.LearningRate}, momentum {e.Momentum}, {e.Epochs} epochs of {e.Pairs} pairs, seed {e.Seed}";

    /// <summary>experiment | final loss | the source's columns (colours: BB..WW; real images: held-out MSE, accuracy) | verdict | time.</summary>
    public static void Table(ResultsFile results, PairSource source)
    {
        // Logs are not terminals; Spectre would wrap the table at 80 columns.
        if (!IsLive) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 120);
        var table = new Table().Border(IsLive ? TableBorder.Rounded : TableBorder.Ascii);
        table.AddColumns(["experiment", "final loss", .. source.TableColumns, "verdict", "time"]);
        foreach (var c in table.Columns.Skip(1).Take(1 + source.TableColumns.Count)) c.RightAligned();
        foreach (var e in results.Experiments)
        {
            var verdict = e.Verdict switch
            {
                "learned" => "[green]learned[/]",
                var v when v == "stays near 0.5" || v.StartsWith("not learned") => $"[yellow]{Markup.Escape(v)}[/]",
                var v => Markup.Escape(v),
            };
            table.AddRow([Markup.Escape(e.Name), e.FinalLoss?.ToString("F4") ?? "-", .. source.TableCells(e).Select(Markup.Escape), verdict, $"{e.Seconds:F0} s"]);
        }
        AnsiConsole.Write(table);
        Console.WriteLine(source.TableNote(results.Experiments));
    }
}

/// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
