using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Model;
using static TorchSharp.torch;

namespace XnorSpec.Training;

/// <summary>
/// What `check` finds in a trained model, wherever it was trained: the interaction contrast
/// z(B,B) + z(W,W) - z(B,W) - z(W,B) of its logits in eval mode (exactly 0 for a separable head,
/// positive where same-colour labels are met), the balanced XNOR loss (MSE of BB, BW, WB, WW against
/// 1, 0, 0, 1) in eval mode and as one training-mode batch, the eval-mode predictions, and the verdict;
/// and the same contrast on real-image category pairs, when real images are given.
/// </summary>
public sealed record ModelCheck(
    FusionKind Head, EncoderKind Encoder, int ImageSize, bool Separable, string Family,
    IReadOnlyDictionary<string, double> EvalLogits, double InteractionContrast,
    IReadOnlyDictionary<string, float> EvalPredictions, IReadOnlyDictionary<string, float> TrainModePredictions,
    double XnorLossEval, double XnorLossTrainMode, double LearnedAtMost, bool TellsSameFromDifferent, string Verdict)
{
    /// <summary>The interaction contrast over real-image category pairs (eval mode); null when no real images were given.</summary>
    public CategoryContrast? RealImages { get; init; }

    public const string SeparableFamily = "separable: cannot tell same from different whatever it is trained on";
    public const string InteractionFamily = "has an interaction term";

    /// <summary>
    /// The criterion: the eval-mode balanced XNOR loss is at most <see cref="Verdicts.LearnedAtMost"/>
    /// (0.15), the capability table's "learns XNOR" cut-off, applied in eval mode because that is how a
    /// model is used and how the question tested it. Answering 0.5 everywhere scores 0.25, and a
    /// separable head can do no better in eval mode, so it always fails.
    /// </summary>
    public static ModelCheck Run(PairModel model, int imageSize, Device device, LabelledImages? realImages = null)
    {
        var logits = LogitsInEvalMode(model, imageSize, device);
        var contrast = logits["BB"] + logits["WW"] - logits["BW"] - logits["WB"];
        var eval = Trainer.Predict(model, imageSize, device);
        var trainMode = Trainer.PredictWithBatchStatistics(model, imageSize, device);
        model.eval(); // Predict hands the model back in training mode; a checked model is left as it was loaded.
        var lossEval = HeadRun.BalancedXnorLoss(eval);
        var lossTrain = HeadRun.BalancedXnorLoss(trainMode);
        bool separable = FusionHead.IsSeparable(model.Fusion);
        bool tells = lossEval <= Verdicts.LearnedAtMost;
        var family = separable ? SeparableFamily : InteractionFamily;
        var outcome = tells
            ? FormattableString.Invariant($"this model tells same from different on the balanced pairs (eval-mode XNOR loss {lossEval:F4}, at most {Verdicts.LearnedAtMost})")
            : FormattableString.Invariant($"this model cannot tell same from different on the balanced pairs (eval-mode XNOR loss {lossEval:F4}, above {Verdicts.LearnedAtMost})")
              + (separable ? "" : "; its head could learn it, so it is untrained or trained on other labels");
        return new ModelCheck(model.Fusion, model.Encoder, imageSize, separable, family, logits, contrast, eval, trainMode,
            lossEval, lossTrain, Verdicts.LearnedAtMost, tells, $"{model.Fusion} head: {family}; {outcome}.")
            { RealImages = realImages is null ? null : CategoryContrast.Of(model, realImages, imageSize, device) };
    }

    private static Dictionary<string, double> LogitsInEvalMode(PairModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        var pairs = ColourPair.All;
        var query = SolidImages.Batch(pairs.Select(p => p.Query).ToArray(), imageSize, device);
        var template = SolidImages.Batch(pairs.Select(p => p.Template).ToArray(), imageSize, device);
        var z = model.Logit(query, template).to(float64).cpu().data<double>().ToArray();
        return pairs.Select((p, i) => (p.ToString(), z[i])).ToDictionary(x => x.Item1, x => x.Item2);
    }
}

/// <summary>
/// The interaction contrast on real images: for each pair of categories i &lt; j, with images a, c of
/// category i and b, d of category j, z(a,c) + z(b,d) - z(a,d) - z(b,c) in eval mode: the two
/// same-category pairs against the two different-category ones. Zero for a separable head whatever
/// the images; a model that tells same from different makes it positive.
/// </summary>
public sealed record CategoryContrast(string Images, int CategoryPairs, double Mean, double LargestMagnitude, double LargestLogit)
{
    public static CategoryContrast Of(PairModel model, LabelledImages images, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        int categories = images.CategoryNames.Count;
        var pairs = (from i in Enumerable.Range(0, categories) from j in Enumerable.Range(0, categories) where i < j select (i, j)).ToList();
        // Rows per category pair: (a,c), (b,d), (a,d), (b,c) with a, c the first two images of i and b, d those of j.
        var queries = pairs.SelectMany(p => new[] { images.ByCategory[p.i][0], images.ByCategory[p.j][0], images.ByCategory[p.i][0], images.ByCategory[p.j][0] }).ToArray();
        var templates = pairs.SelectMany(p => new[] { images.ByCategory[p.i][1], images.ByCategory[p.j][1], images.ByCategory[p.j][1], images.ByCategory[p.i][1] }).ToArray();
        var z = model.Logit(images.Batch(queries, imageSize, device), images.Batch(templates, imageSize, device)).to(float64).cpu().data<double>().ToArray();
        var contrasts = Enumerable.Range(0, pairs.Count).Select(k => z[4 * k] + z[4 * k + 1] - z[4 * k + 2] - z[4 * k + 3]).ToArray();
        return new CategoryContrast($"{images.Name} split, first two images of each category", pairs.Count,
            contrasts.Average(), contrasts.Max(Math.Abs), z.Max(Math.Abs));
    }
}
