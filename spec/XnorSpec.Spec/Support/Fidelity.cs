using System.Collections.Concurrent;
using FluentAssertions;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;

namespace XnorSpec.Spec.Support;

/// <summary>
/// The two fidelities. Quick runs the profile fixtures/profiles/quick.json (no trait, the default run);
/// Seed runs fixtures/profiles/seed.json, the question's exact configuration, under the trait
/// Category=Seed. Each experiment trains once per test run; specs that look at it share the result.
/// </summary>
public static class Runs
{
    public const string SeedCategory = "Seed";

    private static readonly ConcurrentDictionary<Experiment, Lazy<TrainingResult>> Cache = new();

    public static Profile Quick => Profile.Load(Profile.Quick);
    public static Profile Seed => Profile.Load(Profile.Seed);

    public static TrainingResult Of(Experiment experiment) =>
        Cache.GetOrAdd(experiment, e => new Lazy<TrainingResult>(() => RunScores.Train(e, TestDevice.Current))).Value;

    public static TrainingResult Of(Profile profile, FusionKind head, LabelRule labels) => Of(profile.Get(head, labels));

    /// <summary>Every eval-mode prediction on its label's side of 0.5 (above for label 1, below for label 0).</summary>
    public static void ShouldPredictEveryPairOnItsLabelsSide(TrainingResult run)
    {
        var labels = run.Experiment.Labels;
        foreach (var pair in ColourPair.All)
            (run.Predictions[pair.ToString()] > 0.5).Should().Be(labels.Label(pair) == 1f, $"{pair} is labelled {labels.Label(pair)} (eval mode)");
    }

    /// <summary>The figures a spec prints: epoch means, final loss and predictions.</summary>
    public static string Describe(TrainingResult run) =>
        $"{run.Experiment.Name} (batch {run.Experiment.BatchSize}, lr {run.Experiment.LearningRate}, seed {run.Experiment.Seed}): "
        + $"epoch losses {string.Join(" ", run.EpochLosses.Select(l => l.ToString("F4")))}; final {run.FinalLoss:F5}; "
        + $"eval predictions {string.Join(" ", run.Predictions.Select(p => $"{p.Key}={p.Value:F3}"))}; {run.Seconds:F0} s";
}

/// <summary>The device specs run on: XNORSPEC_DEVICE (auto, cpu or cuda), default auto.</summary>
public static class TestDevice
{
    public static TorchSharp.torch.Device Current { get; } = Devices.Resolve(null);
}
