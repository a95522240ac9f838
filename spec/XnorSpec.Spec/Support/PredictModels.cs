using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Support;

/// <summary>
/// Model files for the `predict` specs, each made once per test process in a temporary folder removed when
/// the process exits: a Fashion-MNIST model trained by the real trainer on the checked-in subset (SmallCnn
/// at 28x28, product head, same-category labels, two epochs of the quick real-image setting: a few
/// seconds), and an untrained colour model, enough for what `predict` refuses before it predicts.
/// </summary>
public static class PredictModels
{
    public static Experiment Fashion { get; } = RealImageRuns.Quick(FusionKind.Product, LabelRule.SameCategory) with { Epochs = 2 };

    public static Experiment Colour { get; } = new() { Head = FusionKind.Product, Encoder = EncoderKind.SmallCnn, ImageSize = 32 };

    public static string FashionFile => FashionSaved.Value;

    public static string ColourFile => ColourSaved.Value;

    private static readonly Lazy<string> FashionSaved = new(() => Save("fashion.model", Fashion,
        model => Trainer.Fit(model, Fashion, new CategoryPairs(FashionFixture.Train, Fashion.Seed, Fashion.Pairs, Fashion.ImageSize, Fashion.Labels), CPU)));

    private static readonly Lazy<string> ColourSaved = new(() => Save("colour.model", Colour, _ => { }));

    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = new TemporaryFolder("xnorspec-predict-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => folder.Dispose();
        return folder.Location;
    });

    private static string Save(string name, Experiment experiment, Action<PairModel> train)
    {
        NativeBackend.EnsureLoaded();
        var path = Path.Combine(Folder.Value, name);
        using var model = Trainer.NewModel(experiment, CPU);
        train(model);
        ModelFile.Save(model, experiment, path);
        return path;
    }
}
