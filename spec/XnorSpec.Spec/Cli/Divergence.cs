using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Cli;

/// <summary>Claim: a NaN or infinite loss stops the run at once, names the experiment, epoch and step, and keeps what finished.</summary>
[Collection(SeparateProcesses.Name)]
public class Divergence(ITestOutputHelper output)
{
    [Fact]
    public void A_diverging_experiment_stops_the_run_naming_experiment_epoch_and_step_and_the_finished_ones_are_kept()
    {
        // lr 1e30 sends the weights to infinity in one step, so the second step's loss is NaN.
        using var fixtures = new TemporaryFixtures("diverging", epochs: 2,
            """{ "head": "Concat", "labels": "AllZeros", "encoder": "SmallCnn" }""",
            """{ "head": "Product", "labels": "SameColour", "learningRate": 1e30, "encoder": "SmallCnn" }""",
            """{ "head": "Concat", "labels": "FirstIsBlack", "encoder": "SmallCnn" }""");

        var run = CliProcess.Run(fixtures.Start(), "reproduce", "--profile", "diverging", "--out", fixtures.Output);
        output.WriteLine(run.ToString());

        run.ExitCode.Should().Be(1);
        run.Errors.Should().Contain("Experiment product/SameColour diverged at epoch 1, step 2: loss is NaN");
        var results = ResultsFile.Load(Path.Combine(fixtures.Output, "results.json"));
        results.Complete.Should().BeFalse();
        results.Experiments.Should().HaveCount(2);
        results.Experiments[0].Completed.Should().BeTrue();
        results.Experiments[0].StepLosses.Should().HaveCount(4);
        File.Exists(Path.Combine(fixtures.Output, results.Experiments[0].Model!)).Should().BeTrue();
        results.Experiments[1].Should().Match<ExperimentResult>(e => !e.Completed && e.Verdict == "failed" && e.Error!.Contains("epoch 1, step 2"));
    }
}
