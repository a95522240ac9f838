using System.Diagnostics;
using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>
/// Claim: Ctrl-C (SIGINT) or SIGTERM stops a run after the current step; finished experiments are
/// written, the interrupted one is kept and marked, results.json says incomplete, exit code 1.
/// The signals go to the real process.
/// </summary>
[Collection(SeparateProcesses.Name)]
public sealed class Interruption(ITestOutputHelper output) : IDisposable
{
    // SmallCnn, about 12 ms a step. For Ctrl-C the first experiment has 40 steps (20 epochs), so
    // the run soon reaches the second; for SIGTERM both have 200, so a signal sent when a header
    // line appears lands inside the experiment that line announces even on a busy machine.
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

    private (CliRun Run, TimeSpan AfterSignal) InterruptWhen(TemporaryFixtures fixtures, Func<string, bool> lineTrigger, int signal)
    {
        var process = CliProcess.Start(fixtures.Start(), "reproduce", "--profile", "interrupt", "--out", fixtures.Output);
        Stopwatch? sinceSignal = null;
        var run = CliProcess.Finish(process, line =>
        {
            if (sinceSignal is null && lineTrigger(line))
            {
                CliProcess.Signal(process, signal);
                sinceSignal = Stopwatch.StartNew();
            }
        });
        output.WriteLine(run.ToString());
        sinceSignal.Should().NotBeNull("the trigger line must have appeared");
        return (run, sinceSignal!.Elapsed);
    }

    [Fact]
    public void Ctrl_C_after_the_first_experiment_keeps_it_and_marks_the_run_incomplete()
    {
        var (run, afterSignal) = InterruptWhen(shortFirst, line => line.StartsWith("[2/"), CliProcess.SIGINT);

        run.ExitCode.Should().Be(1);
        run.Errors.Should().Contain("Interrupted");
        afterSignal.Should().BeLessThan(TimeSpan.FromSeconds(10), "the program must not hang after the signal");
        var results = ResultsFile.Load(Path.Combine(shortFirst.Output, "results.json"));
        results.Complete.Should().BeFalse();
        results.Experiments[0].Completed.Should().BeTrue();
        File.Exists(Path.Combine(shortFirst.Output, results.Experiments[0].Model!)).Should().BeTrue();
        results.Experiments.Skip(1).Should().OnlyContain(e => !e.Completed);
        // Stopping after the current step, not the current experiment: the signal came as the second
        // experiment began, so it recorded a few of its 200 steps (about 12 ms each), not most of them.
        output.WriteLine($"steps of the interrupted experiment: {results.Experiments[1].StepLosses.Count}, {afterSignal.TotalSeconds:F2} s after the signal");
        results.Experiments[1].StepLosses.Count.Should().BeLessThan(100);
        File.Exists(Path.Combine(shortFirst.Output, "losses.png")).Should().BeTrue();
    }

    [Fact]
    public void SIGTERM_during_the_first_experiment_stops_with_it_kept_and_marked_unfinished()
    {
        var (run, _) = InterruptWhen(bothLong, line => line.StartsWith("[1/"), CliProcess.SIGTERM);

        run.ExitCode.Should().Be(1);
        var results = ResultsFile.Load(Path.Combine(bothLong.Output, "results.json"));
        results.Complete.Should().BeFalse();
        results.Experiments.Should().ContainSingle().Which.Completed.Should().BeFalse();
        results.Experiments[0].Model.Should().BeNull("an unfinished model is not saved as if it were trained");
    }
}
