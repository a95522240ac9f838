using System.Text.Json.Serialization;
using XnorSpec.Data;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// What `check` finds in a trained model, wherever it was trained, on the data it was made for: the
/// interaction contrast of its logits in eval mode over the source's probe (exactly 0 for a separable
/// head, positive where "same" labels are met), the source's judgement (colours: the balanced XNOR loss
/// of BB, BW, WB, WW; real images: the held-out score) and the verdict, with the criterion in words.
/// </summary>
public sealed record ModelCheck(
    FusionKind? Head, EncoderKind? Encoder, int ImageSize, PairData Data, bool Separable, string Family,
    InteractionContrast Contrast, ArchitectureCheck Architecture, [property: JsonIgnore] Judgement Judgement, string Verdict)
{
    public const string SeparableFamily = "separable: cannot tell same from different whatever it is trained on";
    public const string InteractionFamily = "has an interaction term";

    public bool TellsSameFromDifferent => Judgement.TellsSameFromDifferent;

    public string Criterion => Judgement.Criterion;

    /// <summary>The source's figures (written to the JSON report under their own names).</summary>
    public object Scores => Judgement;

    /// <summary>
    /// Checks <paramref name="model"/> in eval mode on <paramref name="source"/>, the data its experiment names; the model is left in eval mode.
    /// Whether it is separable: for XnorSpec's <see cref="PairModel"/>, its head's place in the catalogue; for any other
    /// comparison model, the structural test (<paramref name="architecture"/>, run here with its defaults when not given).
    /// <see cref="Head"/> and <see cref="Encoder"/> are null for a model that is not XnorSpec's.
    /// </summary>
    public static ModelCheck Run(ComparisonModel model, Experiment experiment, PairSource source, Device device, ArchitectureCheck? architecture = null)
    {
        if (source.Data != experiment.Data)
            throw new ArgumentException($"Model {experiment.Name} was made for {experiment.Data} pairs, but the source given holds {source.Data} pairs.", nameof(source));
        var contrast = InteractionContrast.Of(model, source, experiment.ImageSize, device);
        var judgement = source.Judge(model, experiment, device);
        var ours = model as PairModel;
        architecture ??= ArchitectureCheck.Run(model, source, experiment.ImageSize, device);
        // XnorSpec's heads are separable or not by proof (the catalogue); another model by the structural test, where
        // a test that said nothing (every draw saturated or flat) is no evidence of separability.
        bool separable = ours is not null ? FusionHead.IsSeparable(ours.Fusion) : architecture.Separable == true;
        model.eval();
        var family = separable ? SeparableFamily : InteractionFamily;
        var outcome = (judgement.TellsSameFromDifferent ? "this model tells same from different " : "this model cannot tell same from different ") + judgement.Outcome
            + (judgement.TellsSameFromDifferent || separable ? "" : (ours is not null ? "; its head could learn it" : "; its architecture could represent it") + ", so it is untrained or trained on other labels");
        return new ModelCheck(ours?.Fusion, ours?.Encoder, experiment.ImageSize, experiment.Data, separable, family, contrast, architecture, judgement,
            $"{model.Description}: {family}; {outcome}.");
    }
}

/// <summary>
/// "Does it learn to?": a copy of the model (never the model itself) trained on the source's pairs at the experiment's
/// settings, its losses and per-epoch scores (<see cref="TrainingResult.Evaluation"/>) and the source's judgement of it.
/// </summary>
public sealed record Trainability(Experiment Settings, IReadOnlyList<double> EpochLosses, bool Completed, double Seconds,
    [property: JsonIgnore] Evaluation? Evaluation, [property: JsonIgnore] Judgement Judgement)
{
    public bool Learned => Judgement.TellsSameFromDifferent;

    /// <summary>The source's scores after training (held-out MSE and accuracy after every epoch, or BB..WW), as their own type writes them.</summary>
    public object? Curve => Evaluation;

    /// <summary>The source's judgement of the trained copy, as its own type writes it.</summary>
    public object Scores => Judgement;

    public static Trainability Of(ComparisonModel model, Experiment settings, PairSource source, Device device,
        IProgress<StepReport>? progress = null, CancellationToken cancel = default)
    {
        using var copy = model.Copy();
        var result = source.Train(copy, settings, device, progress, cancel);
        return new Trainability(settings, result.EpochLosses, result.Completed, result.Seconds, result.Evaluation, source.Judge(copy, settings, device));
    }
}

/// <summary>
/// The interaction contrast z(a,a') + z(b,b') - z(a,b') - z(b,a') of a model's logits in eval mode, over
/// the squares of a source's probe: zero for every square when the logit adds up, f(query) + g(template),
/// whatever the weights and images; positive where the model says "same" more for matching pairs.
/// <see cref="Mean"/> over the squares, the largest magnitude, and the largest |logit| for scale.
/// </summary>
public sealed record InteractionContrast(string Probe, int Squares, double Mean, double LargestMagnitude, double LargestLogit,
    IReadOnlyDictionary<string, double> Logits)
{
    /// <summary>Over <paramref name="source"/>'s probe, in eval mode; the model is handed back in the mode it came in.</summary>
    public static InteractionContrast Of(ComparisonModel model, PairSource source, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        var probe = source.Probe(imageSize, device);
        var z = LogitsInEvalMode(model, probe.Query, probe.Template);
        var squares = OfSquares(z);
        var logits = probe.RowNames.Select((name, i) => (name, z[i])).ToDictionary(r => r.name, r => r.Item2);
        return new InteractionContrast(probe.Description, squares.Count, squares.Average(), squares.Max(Math.Abs), z.Max(Math.Abs), logits);
    }

    /// <summary>The logits of the pairs (query row i, template row i) in eval mode, as float64; the model's mode is restored.</summary>
    public static double[] LogitsInEvalMode(ComparisonModel model, Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool training = model.training;
        model.eval();
        try { return model.Logit(query, template).to(float64).cpu().data<double>().ToArray(); }
        finally { model.train(training); }
    }

    /// <summary>Each square's z1 + z2 - z3 - z4, for logits in rows of four: (a,a'), (b,b'), (a,b'), (b,a').</summary>
    public static IReadOnlyList<double> OfSquares(IReadOnlyList<double> z)
    {
        if (z.Count == 0 || z.Count % 4 != 0)
            throw new ArgumentException($"The logits come in squares of four rows; got {z.Count}.", nameof(z));
        return Enumerable.Range(0, z.Count / 4).Select(k => z[4 * k] + z[4 * k + 1] - z[4 * k + 2] - z[4 * k + 3]).ToArray();
    }
}
