using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: Ctrl-C (SIGINT) or SIGTERM stops a run after the current step; finished experiments are
/// written, the interrupted one is kept and marked, results.json says incomplete, exit code 1.
/// `train` prints the losses of the steps it took and saves no unfinished model; `bench` prints and
/// writes the figures it measured, marked incomplete. The signals go to the real process.
/// </summary>
[Collection(SeparateProcesses.Name)]
public sealed class Interruption(ITestOutputHelper output) : IDisposable
{
    // SmallCnn, about 12 ms a step. For Ctrl-C the first experiment has 40 steps (20 epochs), so
    // the run soon reaches the second; for SIGTERM both have 200. The signal goes when the target
    // experiment reports its first epoch (2 steps), not when its header line appears: a signal sent
    // at the header can arrive before that experiment starts training on a busy machine (seen once
    // in CI), and then there is nothing of it to keep. After the first epoch it lands inside the
    // experiment, with 99 epochs to spare.
    private readonly TemporaryFixtures shortFirst = new("interrupt", epochs: 100,
        """{ "head": "Concat", "labels": "SameColour", "encoder": "SmallCnn", "epochs": 20 }""",
        """{ "head": "Product", "labels": "SameColour", "encoder": "SmallCnn" }""");

    private readonly TemporaryFixtures bothLong = new("interrupt", epochs: 100,
        """{ "head": "Concat", "labels": "SameColour", "encoder": "SmallCnn" }""",
        """{ "head": "Product", "labels": "SameColour", "encoder": "SmallCnn" }""");

    public void Dispose()
    {
        shortFirst.Dispose();
        bothLong.Dispose();
    }

    private (CliRun Run, TimeSpan AfterSignal) InterruptWhen(TemporaryFixtures fixtures, Func<string, bool> lineTrigger, int signal) =>
        InterruptWhen(fixtures, lineTrigger, signal, "reproduce", "--profile", "interrupt", "--out", fixtures.Output);

    private (CliRun Run, TimeSpan AfterSignal) InterruptWhen(TemporaryFixtures fixtures, Func<string, bool> lineTrigger, int signal, params string[] args) =>
        InterruptWhen(fixtures.Start(), lineTrigger, signal, args);

    private (CliRun Run, TimeSpan AfterSignal) InterruptWhen(CliStart how, Func<string, bool> lineTrigger, int signal, params string[] args) =>
        SignalWhen(how, args, started: null, (lineTrigger, signal));

    /// <summary>Runs the program and sends each signal, in turn, when its trigger line is printed; the time is since the last.</summary>
    private (CliRun Run, TimeSpan AfterSignal) SignalWhen(CliStart how, string[] args, Action<Process>? started, params (Func<string, bool> Trigger, int Signal)[] signals)
    {
        var process = CliProcess.Start(how, args);
        started?.Invoke(process);
        int sent = 0;
        Stopwatch? sinceSignal = null;
        var run = CliProcess.Finish(process, line =>
        {
            if (sent < signals.Length && signals[sent].Trigger(line))
            {
                CliProcess.Signal(process, signals[sent++].Signal);
                sinceSignal = Stopwatch.StartNew();
            }
        });
        // The program's own account of the stop first (the spec document shows a spec's first lines), then everything.
        foreach (var line in run.Errors.Split('\n').Where(l => l.StartsWith("Interrupted"))) output.WriteLine(line.TrimEnd());
        output.WriteLine(run.ToString());
        sent.Should().Be(signals.Length, "every trigger line must have appeared");
        return (run, sinceSignal!.Elapsed);
    }

    [Fact]
    public void Ctrl_C_after_the_first_experiment_keeps_it_and_marks_the_run_incomplete()
    {
        bool secondStarted = false;
        var (run, afterSignal) = InterruptWhen(shortFirst, line =>
        {
            secondStarted |= line.StartsWith("[2/");
            return secondStarted && IsFirstEpochLine(line);
        }, CliProcess.SIGINT);

        run.ExitCode.Should().Be(1);
        run.Errors.Should().Contain("Interrupted");
        afterSignal.Should().BeLessThan(TimeSpan.FromSeconds(10), "the program must not hang after the signal");
        var results = ResultsFile.Load(Path.Combine(shortFirst.Output, "results.json"));
        results.Complete.Should().BeFalse();
        results.Experiments[0].Completed.Should().BeTrue();
        File.Exists(Path.Combine(shortFirst.Output, results.Experiments[0].Model!)).Should().BeTrue();
        results.Experiments.Skip(1).Should().OnlyContain(e => !e.Completed);
        // Stopping after the current step, not the current experiment: the signal came after the second
        // experiment's first epoch, so it recorded a few of its 200 steps (about 12 ms each), not most of them.
        var interrupted = results.Experiments.Should().HaveCount(2).And.Subject.Last();
        output.WriteLine($"steps of the interrupted experiment: {interrupted.StepLosses.Count}, {afterSignal.TotalSeconds:F2} s after the signal");
        interrupted.StepLosses.Count.Should().BeInRange(2, 99);
        File.Exists(Path.Combine(shortFirst.Output, "losses.png")).Should().BeTrue();
    }

    [Fact]
    public void SIGTERM_during_the_first_experiment_stops_with_it_kept_and_marked_unfinished()
    {
        var (run, _) = InterruptWhen(bothLong, IsFirstEpochLine, CliProcess.SIGTERM);

        run.ExitCode.Should().Be(1);
        var results = ResultsFile.Load(Path.Combine(bothLong.Output, "results.json"));
        results.Complete.Should().BeFalse();
        var first = results.Experiments.Should().ContainSingle().Subject;
        first.Completed.Should().BeFalse();
        first.StepLosses.Count.Should().BeInRange(2, 199, "the steps before the signal are kept, and it stopped before the last of 200");
        first.Model.Should().BeNull("an unfinished model is not saved as if it were trained");
        run.Output.Should().NotContain("[2/", "the experiment after the interrupted one is neither started nor announced");
    }

    [Theory]
    [InlineData("SIGINT", CliProcess.SIGINT)]
    [InlineData("SIGTERM", CliProcess.SIGTERM)]
    public void Ctrl_C_or_SIGTERM_during_train_stops_after_the_current_step_prints_the_losses_so_far_and_saves_no_unfinished_model(string name, int signal)
    {
        // SmallCnn at the profile's base settings, 1000 epochs of 2 steps (about 12 ms each): the
        // signal goes after the first epoch and lands with some 20 s of training to spare.
        var model = Path.Combine(bothLong.Output, "unfinished.model");
        var (run, afterSignal) = InterruptWhen(bothLong, IsFirstEpochLine, signal,
            "train", "--profile", "interrupt", "--encoder", "SmallCnn", "--epochs", "1000", "--save", model);

        run.ExitCode.Should().Be(1, name);
        afterSignal.Should().BeLessThan(TimeSpan.FromSeconds(10), "the program must not hang after the signal");
        var interrupted = Regex.Match(run.Errors, @"Interrupted after (\d+) of 2000 steps \((\d+) of 1000 epochs finished");
        interrupted.Success.Should().BeTrue(run.ToString());
        int.Parse(interrupted.Groups[1].Value).Should().BeInRange(2, 1999, "it stopped after a step, not at once and not at the end");
        int finishedEpochs = int.Parse(interrupted.Groups[2].Value);
        // The losses of every finished epoch are printed: what was computed is not lost.
        var means = Regex.Match(run.Output, @"^epoch means: (.*)$", RegexOptions.Multiline);
        means.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(finishedEpochs);
        File.Exists(model).Should().BeFalse("an unfinished model is not saved as if it were trained");
        run.Errors.Should().Contain("not saved");
    }

    [Fact]
    public void Ctrl_C_reaches_the_program_even_when_the_specs_themselves_were_started_with_SIGINT_ignored_as_dotnet_test_started_in_the_background_is()
    {
        // The launcher is started by a shell that ignores SIGINT, as a test host started with `&`, nohup
        // or a scheduler passes on to every child; the program must still start with Ctrl-C's default.
        var (run, _) = InterruptWhen(bothLong.Start(new CliStart(Sigint: SigintAtStart.DefaultFromAnIgnoringParent)), IsFirstEpochLine, CliProcess.SIGINT,
            "train", "--profile", "interrupt", "--encoder", "SmallCnn", "--epochs", "1000");

        run.ExitCode.Should().Be(1, "Ctrl-C stops the run after the current step; exit 0 means it never reached the program");
        run.Errors.Should().Contain("SIGINT: stopping after the current step").And.MatchRegex(@"Interrupted after \d+ of 2000 steps");
    }

    [Fact]
    public void A_program_started_with_SIGINT_ignored_keeps_ignoring_it_as_Unix_programs_do_and_SIGTERM_still_stops_it_after_the_current_step()
    {
        // As `xnor-spec train ... &` from a script, or under nohup in the background: Ctrl-C at the terminal
        // is not for it. SIGINT goes after the first epoch; if it were heeded the run would stop within a
        // step or two (about 12 ms each), so 40 epochs later it is still training, and SIGTERM (what a
        // scheduler sends) stops it with its losses kept.
        int programId = 0;
        bool ignoring = false;
        var (run, afterSigterm) = SignalWhen(bothLong.Start(new CliStart(Sigint: SigintAtStart.Ignored)),
            ["train", "--profile", "interrupt", "--encoder", "SmallCnn", "--epochs", "1000"], started: process => programId = process.Id,
            (FirstEpochNotingWhetherSigintIsIgnored, CliProcess.SIGINT),
            (line => line.TrimStart().StartsWith("epoch 40/"), CliProcess.SIGTERM));

        ignoring.Should().BeTrue($"process {programId} must ignore SIGINT when it is sent (SigIgn of /proc/PID/status)");
        run.ExitCode.Should().Be(1, "SIGTERM stops it gracefully");
        run.Errors.Should().Contain("SIGTERM: stopping after the current step").And.NotContain("SIGINT");
        afterSigterm.Should().BeLessThan(TimeSpan.FromSeconds(10), "the program must not hang after the signal");
        var interrupted = Regex.Match(run.Errors, @"Interrupted after (\d+) of 2000 steps \((\d+) of 1000 epochs finished");
        interrupted.Success.Should().BeTrue(run.ToString());
        int.Parse(interrupted.Groups[2].Value).Should().BeInRange(40, 999, "it trained on past the ignored SIGINT, until SIGTERM");
        Regex.Match(run.Output, @"^epoch means: (.*)$", RegexOptions.Multiline).Groups[1].Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(int.Parse(interrupted.Groups[2].Value), "the finished epochs' losses are kept");

        bool FirstEpochNotingWhetherSigintIsIgnored(string line)
        {
            if (!IsFirstEpochLine(line)) return false;
            ignoring = CliProcess.Ignores(programId, CliProcess.SIGINT);
            return true;
        }
    }

    [Fact]
    public void Ctrl_C_during_bench_still_prints_and_writes_the_figures_measured_so_far_marked_incomplete()
    {
        // The real fixtures (bench measures the seed configuration) in short mode with 10 pairs, the least
        // batch size 10 takes: about 1.5 s an epoch at batch size 1. The signal goes when that run's first
        // epoch is printed, so it lands in the second (or, on a stalled machine, a later) epoch, with the
        // sgemm figure and at least one epoch's time measured.
        var folder = Path.Combine(bothLong.Directory, "bench");
        var (run, afterSignal) = InterruptWhen(new CliStart(Program: CliProcess.Tools), line => line.TrimStart().StartsWith("epoch 1/3:"), CliProcess.SIGINT,
            "bench", "--short", "--pairs", "10", "--out", folder);

        run.ExitCode.Should().Be(1, run.ToString());
        afterSignal.Should().BeLessThan(TimeSpan.FromSeconds(10), "the program must not hang after the signal");
        run.Errors.Should().Contain("Interrupted during").And.Contain("complete: false");
        run.Output.Should().Contain("bench (short, interrupted)", "the table of what was measured is printed");
        using var bench = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "bench.json")));
        var report = bench.RootElement;
        report.GetProperty("complete").GetBoolean().Should().BeFalse();
        report.GetProperty("sgemmGflops").ValueKind.Should().Be(JsonValueKind.Number, "the sgemm figure was measured before the signal and is kept");
        report.GetProperty("sgemmGflops").GetDouble().Should().BePositive();
        // The run cut short is the last in the report, with the epochs it finished and a row that says so.
        var rows = report.GetProperty("training").EnumerateArray().ToArray();
        rows.Should().NotBeEmpty("the run cut short keeps its finished epochs");
        var cut = rows[^1];
        var kept = cut.GetProperty("epochSeconds").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        int planned = cut.GetProperty("epochsPlanned").GetInt32();
        kept.Should().NotBeEmpty("the finished epochs' times are kept").And.OnlyContain(s => s > 0);
        kept.Length.Should().BeLessThan(planned);
        int batch = cut.GetProperty("batchSize").GetInt32();
        report.GetProperty("stoppedDuring").GetString().Should().Be($"batch size {batch}, epoch {kept.Length + 1} of {planned}");
        run.Output.Should().Contain($"| {batch} ({kept.Length} of {planned} epochs) |", "a row cut short says so");
        // Seconds per epoch leave the first epoch out: a single finished epoch gives none, and no number is made up.
        if (kept.Length == 1) cut.GetProperty("secondsPerEpoch").GetString().Should().Be("NaN");
        report.GetProperty("stepOverheadMs").GetString().Should().Be("NaN", "a figure not measured is NaN, never a made-up number");
        // The real-image figures come last: not reached, so NaN, with nothing made up for the datasets.
        var real = report.GetProperty("realImages");
        real.GetProperty("training").GetProperty("pairsPerSecond").GetString().Should().Be("NaN");
        real.GetProperty("training").GetProperty("epochSeconds").GetArrayLength().Should().Be(0);
        real.GetProperty("fixture").GetProperty("seconds").GetString().Should().Be("NaN");
        real.GetProperty("fullDataset").GetProperty("found").GetBoolean().Should().BeFalse();
        real.GetProperty("pairBuilding").GetArrayLength().Should().Be(0);
        run.Output.Should().Contain("building pairs: n/a (not reached)");
    }

    // Plain output (not a terminal) prints "  epoch 1/100: mean loss ..." when an experiment's first epoch ends.
    private static bool IsFirstEpochLine(string line) => line.TrimStart().StartsWith("epoch 1/");
}
