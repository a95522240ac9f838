using System.Reflection;
using System.Text;
using System.Text.Json;
using XnorSpec.Data;
using XnorSpec.Files;
using XnorSpec.Model;

namespace XnorSpec.Training;

/// <summary>
/// results.json of a reproduction. <c>finalLoss</c> is the mean step loss of the last finished
/// epoch; <c>predictions</c> are the model's outputs for BB, BW, WB and WW in eval mode (BatchNorm
/// on its running statistics, as the question checked them); <c>trainModePredictions</c> are the
/// same four pairs as one training-mode batch. <c>complete</c> is false while a run is going and
/// after an interruption or a failure. Real-image experiments have no colour predictions; their
/// <c>heldOut</c> scores the model in eval mode on fixed test-split pairs, and <c>imageFolder</c> says
/// which files the images came from.
/// </summary>
public sealed record ResultsFile(string Profile, string Device, long Seed, string TorchSharpVersion, DateTimeOffset Started)
{
    public bool Complete { get; set; }
    public string? ImageFolder { get; set; }
    public List<ExperimentResult> Experiments { get; init; } = new();

    public static string CurrentTorchSharpVersion =>
        typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString();

    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json.Options));

    public static ResultsFile Load(string path) =>
        JsonSerializer.Deserialize<ResultsFile>(File.ReadAllText(path), Json.Options) ?? throw new InvalidDataException($"{path} is empty.");

    /// <summary>losses.csv: one row per training step of every experiment.</summary>
    public void SaveLossesCsv(string path)
    {
        var csv = new StringBuilder("experiment,epoch,step,loss\n");
        foreach (var e in Experiments)
            for (int i = 0; i < e.StepLosses.Count; i++)
                csv.Append($"{e.Name},{i / e.StepsPerEpoch + 1},{i + 1},{e.StepLosses[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}\n");
        AtomicFile.WriteAllText(path, csv.ToString());
    }
}

public sealed record ExperimentResult(
    string Name, string Head, string Labels, int BatchSize, double LearningRate, double Momentum,
    int Epochs, int ImageSize, int Pairs, long Seed, bool Completed, int StepsPerEpoch,
    double? FinalLoss, IReadOnlyList<double> EpochLosses, IReadOnlyList<float> StepLosses,
    IReadOnlyDictionary<string, float> Predictions, IReadOnlyDictionary<string, float> TrainModePredictions,
    string Verdict, double Seconds, string? Model = null, string? Error = null, string Encoder = nameof(EncoderKind.ResNet18),
    string Data = nameof(PairData.Colours), HeldOutResult? HeldOut = null)
{
    public static ExperimentResult From(TrainingResult r, string? model = null)
    {
        var e = r.Experiment;
        var result = new ExperimentResult(e.Name, e.Head.ToString(), e.Labels.ToString(), e.BatchSize, e.LearningRate, e.Momentum,
            e.Epochs, e.ImageSize, e.Pairs, e.Seed, r.Completed, r.StepsPerEpoch,
            r.EpochsRun > 0 ? r.FinalLoss : null, r.EpochLosses, r.StepLosses,
            new Dictionary<string, float>(), new Dictionary<string, float>(), Verdicts.Describe(r), r.Seconds, model, Encoder: e.Encoder.ToString(),
            Data: e.Data.ToString());
        // The source's scores fill their own fields (colours: predictions; real images: heldOut).
        return r.Evaluation?.Into(result) ?? result;
    }

    public static ExperimentResult Failed(Experiment e, string error, double seconds) =>
        new(e.Name, e.Head.ToString(), e.Labels.ToString(), e.BatchSize, e.LearningRate, e.Momentum, e.Epochs, e.ImageSize,
            e.Pairs, e.Seed, false, 0, null, [], [], new Dictionary<string, float>(), new Dictionary<string, float>(),
            "failed", seconds, Error: error, Encoder: e.Encoder.ToString(), Data: e.Data.ToString());
}

/// <summary>
/// A real-image run's score on its fixed held-out test-split pairs, in eval mode: after the last finished
/// epoch (<c>pairs</c>, <c>mse</c>, <c>accuracy</c>) and after each one, with a few pairs' outputs.
/// </summary>
public sealed record HeldOutResult(int Pairs, double Mse, double Accuracy, IReadOnlyList<double> MseAfterEpoch, IReadOnlyList<double> AccuracyAfterEpoch,
    IReadOnlyList<HeldOutExample> Examples)
{
    public static HeldOutResult? From(IReadOnlyList<HeldOutScore> afterEpoch, IReadOnlyList<HeldOutExample> examples) => afterEpoch.Count == 0 ? null
        : new(afterEpoch[^1].Pairs, afterEpoch[^1].Mse, afterEpoch[^1].Accuracy, afterEpoch.Select(h => h.Mse).ToArray(), afterEpoch.Select(h => h.Accuracy).ToArray(), examples);
}
