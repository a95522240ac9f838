using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;

namespace XnorSpec.Spec.Training;

/// <summary>The loop is reproducible and owns its tensors.</summary>
public class Trainer_behaviour
{
    private static readonly Experiment Small = new() { ImageSize = 32, Pairs = 20, BatchSize = 10, Epochs = 3, LearningRate = 0.01, Seed = 11 };

    [Fact]
    public void The_same_seed_gives_bit_identical_step_losses_and_another_seed_does_not()
    {
        var first = Trainer.Run(Small, TestDevice.Current);
        var again = Trainer.Run(Small, TestDevice.Current);
        var other = Trainer.Run(Small with { Seed = 12 }, TestDevice.Current);

        again.StepLosses.Should().Equal(first.StepLosses);
        other.StepLosses.Should().NotEqual(first.StepLosses);
        foreach (var run in new[] { first, again, other }) run.Model!.Dispose();
    }

    [Fact]
    public void Live_tensors_do_not_grow_from_epoch_to_epoch()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.AllZeros);

        run.LiveTensorsAfterEpoch.Should().HaveCount(run.Experiment.Epochs);
        run.LiveTensorsAfterEpoch.Skip(1).Should().OnlyContain(count => count == run.LiveTensorsAfterEpoch[1]);
    }

    [Fact]
    public void Each_epoch_has_one_loss_per_batch_and_the_final_loss_is_the_last_epochs_mean()
    {
        var run = Runs.Of(Runs.Quick, FusionKind.Concat, LabelRule.AllZeros);
        int steps = run.Experiment.StepsPerEpoch;

        run.StepLosses.Should().HaveCount(run.Experiment.Epochs * steps);
        run.FinalLoss.Should().BeApproximately(run.StepLosses.TakeLast(steps).Average(l => (double)l), 1e-12);
    }
}
