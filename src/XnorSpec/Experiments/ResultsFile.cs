using System.Reflection;
using System.Text;
using System.Text.Json;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Training;

namespace XnorSpec.Experiments;

/// <summary>
/// results.json of a reproduction. <c>finalLoss</c> is the mean step loss of the last finished
/// epoch; <c>predictions</c> are the model's outputs for BB, BW, WB and WW in eval mode (BatchNorm
/// on its running statistics, as the question checked them); <c>trainModePredictions</c> are the
/// same four pairs as one training-mode batch. <c>complete</c> is false while a run is going and
/// after an interruption or a failure.
/// </summary>
public sealed record ResultsFile(string Profile, string Device, long Seed, string TorchSharpVersion, DateTimeOffset Started)
{
    public bool Complete { get; set; }
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
    string Verdict, double Seconds, string? Model = null, string? Error = null, string Encoder = nameof(EncoderKind.ResNet18))
{
    public static ExperimentResult From(TrainingResult r, string? model = null)
    {
        var e = r.Experiment;
        return new ExperimentResult(e.Name, e.Head.ToString(), e.Labels.ToString(), e.BatchSize, e.LearningRate, e.Momentum,
            e.Epochs, e.ImageSize, e.Pairs, e.Seed, r.Completed, r.StepsPerEpoch,
            r.EpochsRun > 0 ? r.FinalLoss : null, r.EpochLosses, r.StepLosses,
            r.Predictions, r.TrainModePredictions, Verdicts.Of(r).Describe(), r.Seconds, model, Encoder: e.Encoder.ToString());
    }

    public static ExperimentResult Failed(Experiment e, string error, double seconds) =>
        new(e.Name, e.Head.ToString(), e.Labels.ToString(), e.BatchSize, e.LearningRate, e.Momentum, e.Epochs, e.ImageSize,
            e.Pairs, e.Seed, false, 0, null, [], [], new Dictionary<string, float>(), new Dictionary<string, float>(),
            "failed", seconds, Error: error, Encoder: e.Encoder.ToString());
}
