using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Spec.Support;
using Xunit;

namespace XnorSpec.Spec.Cli;

/// <summary>Claim: on the CPU, the same seed replays bit for bit in a new process; another seed gives another curve.</summary>
[Collection(SeparateProcesses.Name)]
public class Replay
{
    [Fact]
    public void Two_processes_with_the_same_seed_give_bit_identical_step_losses_and_another_seed_does_not()
    {
        // Both processes get one libtorch thread: summation order, and so the path, depends on the count.
        using var fixtures = new TemporaryFixtures("replay", epochs: 2, """{ "head": "Concat", "labels": "SameColour", "encoder": "SmallCnn" }""");
        IReadOnlyList<float> StepLosses(string seed, string folder)
        {
            var run = CliProcess.Run(fixtures.Start(), "reproduce", "--profile", "replay", "--device", "cpu", "--seed", seed, "--out", Path.Combine(fixtures.Output, folder));
            run.ExitCode.Should().Be(0, run.ToString());
            var results = ResultsFile.Load(Path.Combine(fixtures.Output, folder, "results.json"));
            results.Seed.Should().Be(long.Parse(seed), "results.json records the seed the run used");
            results.Experiments.Single().Experiment.Seed.Should().Be(long.Parse(seed));
            return results.Experiments.Single().StepLosses;
        }

        var first = StepLosses("7", "first");
        var again = StepLosses("7", "again");
        var other = StepLosses("8", "other");

        first.Should().HaveCount(4);
        again.Should().Equal(first);
        other.Should().NotEqual(first);
    }
}
