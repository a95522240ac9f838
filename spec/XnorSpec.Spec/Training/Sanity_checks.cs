using FluentAssertions;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Spec.Support;
using XnorSpec.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Training;

/// <summary>
/// The checks torchtest and mltest made standard, for every head: a sensible loss before training,
/// every parameter trained by one step, outputs that stay valid, and a comparison with the
/// constant-0.5 baseline (MSE 0.25 on balanced labels).
/// </summary>
public class Sanity_checks(ITestOutputHelper output)
{
    public static TheoryData<FusionKind> AllHeads => Fusion_heads.AllHeads;

    // THRESHOLD: first-step losses of seeds 1-5 in heads.csv.
    public const double InitialLossBand = 0.1;

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void The_loss_at_initialisation_is_close_to_one_quarter(FusionKind head)
    {
        var runs = CapabilityTable.Load().Where(r => r.Head == head).ToArray();
        output.WriteLine(string.Join(" ", runs.Select(r => $"seed {r.Seed}: {r.FirstStepLoss:F4}")));
        var first = Fusion_heads.Run(head).StepLosses[0];
        output.WriteLine($"this run (seed 1): {first:F4}");

        runs.Should().OnlyContain(r => Math.Abs(r.FirstStepLoss - 0.25) <= InitialLossBand);
        Math.Abs(first - 0.25).Should().BeLessThanOrEqualTo(InitialLossBand);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void One_optimiser_step_changes_every_trainable_parameter(FusionKind head)
    {
        var experiment = new Experiment { Head = head, ImageSize = 32, Pairs = 10, BatchSize = 10, Epochs = 1, LearningRate = 0.01, Seed = 11 };
        using var model = Trainer.NewModel(experiment, TestDevice.Current);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

        Trainer.Train(model, experiment, TestDevice.Current);

        var unchanged = model.named_parameters().Where(p => p.parameter.detach().allclose(before[p.name], rtol: 0, atol: 0)).Select(p => p.name).ToArray();
        unchanged.Should().BeEmpty("every parameter gets a gradient and moves ({0} parameters)", before.Count);
        foreach (var t in before.Values) t.Dispose();
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Outputs_stay_probabilities_and_never_become_NaN_or_infinite_during_a_run(FusionKind head)
    {
        var run = Fusion_heads.Run(head);

        // MSE of outputs in [0, 1] against 0/1 labels lies in [0, 1]; the trainer also stops on a non-finite loss.
        run.StepLosses.Should().OnlyContain(l => float.IsFinite(l) && l >= 0 && l <= 1);
        run.Predictions.Values.Concat(run.TrainModePredictions.Values).Should().OnlyContain(p => float.IsFinite(p) && p >= 0 && p <= 1);
    }

    [Theory]
    [MemberData(nameof(AllHeads))]
    public void Separable_heads_never_beat_the_constant_one_half_baseline_and_the_others_do(FusionKind head)
    {
        var run = Fusion_heads.Run(head);
        const double baseline = 0.25;
        output.WriteLine($"{head}: final {run.FinalLoss:F4}, lowest epoch {run.EpochLosses.Min():F4}, baseline {baseline}");

        if (FusionHead.IsSeparable(head))
            run.EpochLosses.Min().Should().BeGreaterThanOrEqualTo(baseline - (baseline - Fusion_heads.SeparableLowestEpochLoss));
        else
            run.FinalLoss.Should().BeLessThan(baseline - 0.1);
    }
}
