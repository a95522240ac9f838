using System.Collections.Concurrent;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using XnorSpec.Training;

namespace XnorSpec.Spec.Support;

/// <summary>A real-image run: the training losses and the held-out score after every epoch.</summary>
public sealed record RealImageRun(TrainingResult Training, IReadOnlyList<HeldOutScore> HeldOutAfterEpoch, IReadOnlyList<(double Contrast, double Scale)> Contrasts)
{
    public HeldOutScore HeldOut => HeldOutAfterEpoch[^1];

    /// <summary>The largest |interaction contrast| of the trained model's logits over quadruples of held-out images, relative to the largest |logit|.</summary>
    public double LargestRelativeContrast => Contrasts.Max(c => Math.Abs(c.Contrast) / Math.Max(c.Scale, 1e-12));

    public override string ToString() =>
        $"{Training.Experiment.Name} (seed {Training.Experiment.Seed}): epoch losses {string.Join(" ", Training.EpochLosses.Select(l => l.ToString("F4")))}; "
        + $"held-out MSE {string.Join(" ", HeldOutAfterEpoch.Select(h => h.Mse.ToString("F4")))}; "
        + $"held-out accuracy {HeldOut.Accuracy:F3} on {HeldOut.Pairs} pairs; largest |contrast| / |z| over {Contrasts.Count} quadruples of held-out images {LargestRelativeContrast:E2}; {Training.Seconds:F1} s";
}

/// <summary>
/// The quick real-image fidelity, the fashion-quick profile: SmallCnn encoders on the checked-in Fashion-MNIST
/// subset at its own 28x28, 640 pairs per epoch in batches of 32, 8 epochs, SGD(lr 0.1, momentum 0.9), scored
/// after every epoch on 1000 held-out pairs of the test split. The setting was chosen over lr 0.05-0.2, batch
/// 16-32 and 640-960 pairs per epoch (fixtures/reproduction/real-images-quick.csv); each run takes a few seconds.
/// </summary>
public static class RealImageRuns
{
    public static Profile Profile { get; } = Profile.Load(Profile.FashionQuick);

    /// <summary>The profile's setting for any head and label rule (the catalogue's heads too).</summary>
    public static Experiment Quick(FusionKind head, LabelRule labels, long seed = 1) => Profile.Settings with { Head = head, Labels = labels, Seed = seed };

    private static readonly ConcurrentDictionary<Experiment, Lazy<RealImageRun>> Cache = new();

    /// <summary>Trains once per experiment and test process, through the trainer the command line uses, on the specs' device.</summary>
    public static RealImageRun Of(Experiment experiment) =>
        Cache.GetOrAdd(experiment, key => new Lazy<RealImageRun>(() => Train(key, FashionFixture.Splits))).Value;

    /// <summary>Trains <paramref name="experiment"/> on <paramref name="images"/> and measures its logits' contrast on held-out images.</summary>
    public static RealImageRun Train(Experiment experiment, ImageSplits images)
    {
        var device = TestDevice.Current;
        var result = RunScores.Train(experiment, device, source: new FashionMnistSource(experiment.Data, images));
        using var model = result.Model!;
        var heldOut = new CategoryPairs(images.Test, experiment.Seed, experiment.HeldOutPairs, experiment.ImageSize, experiment.Labels).HeldOut(40);
        // Quadruples of held-out images: queries a, b and templates c, d of two consecutive held-out pairs.
        model.eval();
        var contrasts = Enumerable.Range(0, 20).Select(i =>
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            var (first, second) = (heldOut[2 * i], heldOut[2 * i + 1]);
            var pictures = images.Test.Batch([first.Query, second.Query, first.Template, second.Template], experiment.ImageSize, device);
            return Contrast.Of(model, pictures[0], pictures[1], pictures[2], pictures[3]);
        }).ToList();
        return new RealImageRun(result with { Model = null }, result.HeldOutAfterEpoch, contrasts);
    }
}
