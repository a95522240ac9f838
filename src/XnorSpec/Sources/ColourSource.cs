using XnorSpec.Runtime;
using System.Globalization;
using XnorSpec.Data;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Training;
using static TorchSharp.torch;

namespace XnorSpec.Sources;

/// <summary>
/// The question's data: solid black and white images (<see cref="PairDataset"/>). A model is scored on
/// the four pairs BB, BW, WB, WW, in eval mode as the question checked them and as one training-mode
/// batch; `check` reads the eval-mode balanced XNOR loss.
/// </summary>
public sealed class ColourSource : PairSource
{
    public override PairData Data => PairData.Colours;

    public override IReadOnlyList<LabelRule> LabelRules => XnorSpec.Data.LabelRules.ForColours;

    /// <summary>The question's 3x128x128 images.</summary>
    public override int DefaultImageSize => 128;

    public override string Describe() => "Pairs: solid black and white images, colours drawn independently (p = 0.5 each)";

    public override TrainingResult Train(ComparisonModel model, Experiment experiment, Device device, IProgress<StepReport>? progress, CancellationToken cancel)
    {
        Accept(experiment);
        var fitted = Trainer.Fit(model, experiment, new PairDataset(experiment.Seed, experiment.Pairs, experiment.ImageSize, experiment.Labels), device, progress, cancel);
        return fitted with { Evaluation = new ColourScores(Predict(model, experiment.ImageSize, device), PredictWithBatchStatistics(model, experiment.ImageSize, device)) };
    }

    /// <summary>The four pairs BB, BW, WB, WW in this order: the one probe batch of colour models.</summary>
    public static (Tensor Query, Tensor Template) FourPairs(int imageSize, Device device) =>
        (SolidImages.Batch(ColourPair.All.Select(p => p.Query).ToArray(), imageSize, device),
         SolidImages.Batch(ColourPair.All.Select(p => p.Template).ToArray(), imageSize, device));

    private static readonly string[] Names = ColourPair.All.Select(p => p.ToString()).ToArray();

    /// <summary>BB, WW, BW, WB: the contrast's square z(BB) + z(WW) - z(BW) - z(WB).</summary>
    public override ContrastProbe Probe(int imageSize, Device device)
    {
        var (query, template) = FourPairs(imageSize, device);
        var order = tensor(new long[] { 0, 3, 1, 2 }, device: device);
        return new ContrastProbe(query.index_select(0, order), template.index_select(0, order),
            $"{imageSize}x{imageSize} solid black and white images: z(BB) + z(WW) - z(BW) - z(WB)", ["BB", "WW", "BW", "WB"]);
    }

    /// <summary>The interaction share's grid: a black and a white query against a black and a white template.</summary>
    public override InteractionGrid Grid(int imageSize, Device device)
    {
        Colour[] both = [Colour.Black, Colour.White];
        string[] names = ["black", "white"];
        return new InteractionGrid(SolidImages.Batch(both, imageSize, device), SolidImages.Batch(both, imageSize, device),
            $"{imageSize}x{imageSize} solid black and white queries against black and white templates", names, names);
    }

    /// <summary>The model's output for BB, BW, WB and WW, in eval mode (BatchNorm on its running statistics), as the question checked it.</summary>
    public static IReadOnlyDictionary<string, float> Predict(ComparisonModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.eval();
        try { return Outputs(model, imageSize, device); }
        finally { model.train(); }
    }

    /// <summary>
    /// The output for BB, BW, WB and WW as one training-mode batch: BatchNorm normalises with this balanced
    /// batch's statistics, as it did during training. The running statistics are restored afterwards, so
    /// the model is left exactly as it was.
    /// </summary>
    public static IReadOnlyDictionary<string, float> PredictWithBatchStatistics(ComparisonModel model, int imageSize, Device device)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var saved = model.named_buffers().Select(b => (b.buffer, copy: b.buffer.clone())).ToArray();
        model.train();
        try { return Outputs(model, imageSize, device); }
        finally { foreach (var (buffer, copy) in saved) buffer.copy_(copy); }
    }

    private static Dictionary<string, float> Outputs(ComparisonModel model, int imageSize, Device device)
    {
        var (query, template) = FourPairs(imageSize, device);
        var output = model.call(query, template).cpu().data<float>().ToArray();
        return Names.Select((name, i) => (name, output[i])).ToDictionary(x => x.name, x => x.Item2);
    }

    /// <summary>MSE of the four predictions BB, BW, WB, WW against the XNOR labels 1, 0, 0, 1.</summary>
    public static double BalancedXnorLoss(IReadOnlyDictionary<string, float> predictions) =>
        new[] { ("BB", 1.0), ("BW", 0.0), ("WB", 0.0), ("WW", 1.0) }.Average(p => Math.Pow(predictions[p.Item1] - p.Item2, 2));

    /// <summary>
    /// The criterion: the eval-mode balanced XNOR loss is at most <see cref="Verdicts.LearnedAtMost"/>, the
    /// results table's "learned" cut-off, in eval mode because that is how a model is used and how the
    /// question tested it. Answering 0.5 everywhere scores 0.25, and a separable head can do no better.
    /// </summary>
    public override Judgement Judge(ComparisonModel model, Experiment experiment, Device device)
    {
        var eval = Predict(model, experiment.ImageSize, device);
        var trainMode = PredictWithBatchStatistics(model, experiment.ImageSize, device);
        model.eval(); // Predict hands the model back in training mode; a checked model stays as it was loaded.
        return new ColourJudgement(eval, trainMode, BalancedXnorLoss(eval), BalancedXnorLoss(trainMode), Verdicts.LearnedAtMost);
    }

    public override (Tensor Image, string Description) ReadInput(string argument, Experiment experiment, Device device, bool anyImage)
    {
        if (DatasetReference.LooksLikeOne(argument))
            throw new BadFileException(argument, $"a dataset reference, but model {experiment.Name} was trained on solid black and white images, not on Fashion-MNIST",
                "Pass two image files, such as fixtures/images/black.png and fixtures/images/white.png.");
        var image = ImageFile.Load(argument, experiment.ImageSize, device);
        var colour = ImageFile.SolidColourOf(image);
        if (colour is null && !anyImage)
            throw new BadFileException(argument, "the image is not solid black or solid white, the only images the model was trained on", Remedy.AllowAnyImage);
        return (image, $"{argument} ({colour?.ToString() ?? "not solid"})");
    }

    public override string Question(LabelRule labels) => labels switch
    {
        LabelRule.SameColour => "P(same colour)",
        LabelRule.FirstIsBlack => "P(the query is black)",
        LabelRule.SecondIsBlack => "P(the template is black)",
        _ => $"P(label 1 under {labels})",
    };

    public override IReadOnlyList<string> TableColumns { get; } = Names;

    // BatchNorm's running statistics can lag far behind the weights after little training (seen with
    // ResNet18 on 32x32 images); eval-mode outputs are then marked rather than silently shown.
    private const double UnsettledGap = 0.25;

    private static bool Unsettled(ExperimentResult e) =>
        e.Predictions.Any(p => e.TrainModePredictions.TryGetValue(p.Key, out var t) && Math.Abs(t - p.Value) > UnsettledGap);

    public override IReadOnlyList<string> TableCells(ExperimentResult result)
    {
        var mark = Unsettled(result) ? "*" : "";
        return Names.Select(n => result.Predictions.TryGetValue(n, out var p) ? p.ToString("F3", CultureInfo.InvariantCulture) + mark : "-").ToArray();
    }

    public override string TableNote(IReadOnlyList<ExperimentResult> results) =>
        "final loss: mean step loss of the last epoch. BB..WW: output for a black/white query and template, in eval mode."
        + (results.Any(Unsettled)
            ? $"\n*: eval-mode outputs differ by more than {UnsettledGap} from the same model's training-mode (batch statistics) outputs: "
              + "BatchNorm's running statistics have not settled. results.json has both (trainModePredictions)."
            : "");

    public override IReadOnlyList<string> CapabilityColumns { get; } = ["XNOR loss, balanced batch", "learns XNOR"];

    public override IReadOnlyList<string> CapabilityCells(IReadOnlyList<HeadRun> runs)
    {
        var xnor = runs.Select(r => r.Score(ColourScores.XnorLossName)).ToArray();
        int learned = xnor.Count(l => l <= Verdicts.LearnedAtMost);
        string learns = learned == xnor.Length ? "yes" : learned == 0 ? "no" : "sometimes";
        return [Statistics.Range(xnor), $"{learns} ({learned}/{xnor.Length} seeds)"];
    }

    public override string CapabilityNote => "final training loss: mean step loss of the last epoch. XNOR loss: MSE on BB, BW, WB, WW as one training-mode batch; "
        + string.Create(CultureInfo.InvariantCulture, $"learns XNOR: XNOR loss <= {Verdicts.LearnedAtMost}.");

    public override (string Start, string End) ReadmeMarkers { get; } =
        ("<!-- capability-table:start (generated by `xnor-spec heads --update-readme`; edits are overwritten) -->", "<!-- capability-table:end -->");

    // "Near 0.5": every eval-mode prediction within 0.3 of it (none beyond 0.2 or 0.8), the band the quick
    // concat specs assert (seeds 1-30 answered 0.365-0.698; fixtures/reproduction/margins-2026-12-03). A
    // saturated separable rule such as "same only when both are black" also costs about 0.25, so outside
    // the band the verdict names the rule.
    public const double NearHalfWithin = 0.3;

    /// <summary>The rule behind four predictions BB, BW, WB, WW, read as "same" above 0.5.</summary>
    public static string RuleOf(IReadOnlyDictionary<string, float> predictions)
    {
        var same = Names.Where(cell => predictions[cell] > 0.5f).ToArray();
        var different = Names.Except(same).ToArray();
        return same.Length switch
        {
            0 => "different for every pair",
            4 => "same for every pair",
            1 => "same only when " + Cell(same[0]),
            3 => "same unless " + Cell(different[0]),
            _ when same[0][0] == same[1][0] => $"same when the query is {Colour(same[0][0])}",
            _ when same[0][1] == same[1][1] => $"same when the template is {Colour(same[0][1])}",
            _ => same[0] == "BB" ? "same when the colours match" : "same when the colours differ",
        };

        static string Colour(char letter) => letter == 'B' ? "black" : "white";
        static string Cell(string cell) => cell[0] == cell[1]
            ? $"both are {Colour(cell[0])}"
            : $"the query is {Colour(cell[0])} and the template {Colour(cell[1])}";
    }
}

/// <summary>
/// A colour run's scores: BB, BW, WB, WW in eval mode (<see cref="Predictions"/>) and as one training-mode
/// batch (<see cref="TrainModePredictions"/>). The verdict reads the final training loss.
/// </summary>
public sealed record ColourScores(IReadOnlyDictionary<string, float> Predictions, IReadOnlyDictionary<string, float> TrainModePredictions) : Evaluation
{
    public override double? VerdictLoss => null;

    /// <summary>"stays near 0.5" when every eval-mode prediction is near 0.5, else the rule they follow.</summary>
    public override string NotLearnedAnswer => Predictions.Values.All(p => Math.Abs(p - 0.5) <= ColourSource.NearHalfWithin)
        ? "stays near 0.5"
        : "not learned: " + ColourSource.RuleOf(Predictions);

    public override string Summary => "eval-mode predictions " + string.Join(" ", Predictions.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:F3}")));

    public const string XnorLossName = "xnorLoss";

    /// <summary>
    /// The balanced XNOR loss of the training-mode batch: what the capability table reads. With the batch fixed, each
    /// encoder's output is a function of its own image, so for a separable head it is at least 0.25 exactly.
    /// </summary>
    public double XnorLoss => ColourSource.BalancedXnorLoss(TrainModePredictions);

    public override IReadOnlyDictionary<string, double> Scores => new Dictionary<string, double> { [XnorLossName] = XnorLoss };

    public override ExperimentResult Into(ExperimentResult result) => result with { Predictions = Predictions, TrainModePredictions = TrainModePredictions };
}

/// <summary>`check` on colours: the four pairs' outputs in both modes, their balanced XNOR losses, and the eval-mode cut-off.</summary>
public sealed record ColourJudgement(
    IReadOnlyDictionary<string, float> EvalPredictions, IReadOnlyDictionary<string, float> TrainModePredictions,
    double XnorLossEval, double XnorLossTrainMode, double LearnedAtMost) : Judgement
{
    public override bool TellsSameFromDifferent => XnorLossEval <= LearnedAtMost;

    public override string Criterion => string.Create(CultureInfo.InvariantCulture,
        $"tells same from different when the balanced XNOR loss of BB, BW, WB, WW in eval mode is at most {LearnedAtMost} (0.25 is answering 0.5 to all four)");

    public override string Outcome => string.Create(CultureInfo.InvariantCulture, $"on the balanced pairs (eval-mode XNOR loss {XnorLossEval:F4}, ")
        + (TellsSameFromDifferent ? $"at most {LearnedAtMost.ToString(CultureInfo.InvariantCulture)})" : $"above {LearnedAtMost.ToString(CultureInfo.InvariantCulture)})");

    public override IReadOnlyList<string> Lines =>
    [
        $"predictions, eval mode:         {Row(EvalPredictions)}",
        $"predictions, training mode:     {Row(TrainModePredictions)}  (the four as one batch: normalisation layers on their statistics)",
        string.Create(CultureInfo.InvariantCulture, $"balanced XNOR loss:             eval mode {XnorLossEval:F4}, training mode {XnorLossTrainMode:F4}"),
    ];

    private static string Row(IReadOnlyDictionary<string, float> values) =>
        string.Join("  ", values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key} {v.Value:F4}")));
}
