using XnorSpec.Runtime;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    public static ResultsFile Load(string path)
    {
        var root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new BadFileException(path, "not a JSON object", Remedy.GiveResultsFile);
        if (root["experiments"] is JsonArray experiments)
            foreach (var experiment in experiments.OfType<JsonObject>().Where(e => e["experiment"] is null))
                Migrate(experiment);
        return root.Deserialize<ResultsFile>(Json.Options) ?? throw new BadFileException(path, "empty", Remedy.GiveResultsFile);
    }

    /// <summary>
    /// Files written before the settings were one object held them beside the results, and before encoders and data
    /// were recorded (then always ResNet18 on colours, the defaults): they move into "experiment".
    /// </summary>
    private static void Migrate(JsonObject result)
    {
        var settings = new JsonObject();
        foreach (var name in HeadRun.SettingColumns)
            if (result[name] is { } value)
            {
                result.Remove(name);
                settings[name] = value;
            }
        result.Remove("name");
        result["experiment"] = settings;
    }

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

/// <summary>
/// One experiment of results.json: its settings (<see cref="Experiment"/>, as profiles and model files write them),
/// what training measured, and the fields its pair source's scores fill (<see cref="Evaluation.Into"/>).
/// </summary>
public sealed record ExperimentResult(
    Experiment Experiment, bool Completed, int StepsPerEpoch,
    double? FinalLoss, IReadOnlyList<double> EpochLosses, IReadOnlyList<float> StepLosses,
    string Verdict, double Seconds, string? Model = null, string? Error = null)
{
    /// <summary>Written for readers of the file; read back from <see cref="Experiment"/>.</summary>
    public string Name => Experiment.Name;

    /// <summary>Colour runs: BB, BW, WB, WW in eval mode.</summary>
    public IReadOnlyDictionary<string, float> Predictions { get; init; } = new Dictionary<string, float>();

    /// <summary>Colour runs: the same four pairs as one training-mode batch.</summary>
    public IReadOnlyDictionary<string, float> TrainModePredictions { get; init; } = new Dictionary<string, float>();

    /// <summary>Real-image runs: the score on the fixed held-out pairs.</summary>
    public HeldOutResult? HeldOut { get; init; }

    public static ExperimentResult From(TrainingResult r, string? model = null)
    {
        var result = new ExperimentResult(r.Experiment, r.Completed, r.StepsPerEpoch, r.EpochsRun > 0 ? r.FinalLoss : null, r.EpochLosses, r.StepLosses,
            Verdicts.Describe(r), r.Seconds, model);
        // The source's scores fill their own fields (colours: predictions; real images: heldOut).
        return r.Evaluation?.Into(result) ?? result;
    }

    public static ExperimentResult Failed(Experiment e, string error, double seconds) => new(e, false, 0, null, [], [], "failed", seconds, Error: error);
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
