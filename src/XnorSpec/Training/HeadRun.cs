using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using XnorSpec.Files;

namespace XnorSpec.Training;

/// <summary>
/// One finished run as a row of a runs file (fixtures/reproduction/heads.csv, heads-fashion.csv): every
/// setting of its experiment, its losses, and the scores its pair source gave it (<see cref="Evaluation.Scores"/>:
/// colours the balanced XNOR loss of the training-mode batch, real images the held-out MSE and accuracy).
/// </summary>
public sealed record HeadRun(Experiment Experiment, double FinalLoss, double FirstStepLoss, double LowestEpochLoss, IReadOnlyList<double> EpochLosses,
    double Seconds, IReadOnlyDictionary<string, double> Scores)
{
    /// <summary>The experiment's settings in the order and under the names its JSON uses (profiles, model files, results.json).</summary>
    public static IReadOnlyList<string> SettingColumns { get; } = JsonSerializer.SerializeToNode(new Experiment(), Json.Options)!.AsObject().Select(p => p.Key).ToArray();

    private static readonly string[] OutcomeColumns = ["finalLoss", "firstStepLoss", "lowestEpochLoss", "epochLosses", "seconds", "scores"];

    public static string CsvHeader { get; } = string.Join(",", SettingColumns.Concat(OutcomeColumns));

    public static HeadRun From(TrainingResult r) =>
        new(r.Experiment, r.FinalLoss, r.StepLosses[0], r.EpochLosses.Min(), r.EpochLosses, r.Seconds,
            r.Evaluation?.Scores ?? new Dictionary<string, double>());

    public double Score(string name) => Scores.TryGetValue(name, out var value) ? value : double.NaN;

    /// <summary>The values of <paramref name="experiment"/>'s settings under <see cref="SettingColumns"/>, as CSV cells.</summary>
    public static IEnumerable<string> SettingCells(Experiment experiment)
    {
        var settings = JsonSerializer.SerializeToNode(experiment, Json.Options)!.AsObject();
        return SettingColumns.Select(c => settings[c]!.ToString());
    }

    public string ToCsv() =>
        string.Join(",", SettingCells(Experiment)
            .Concat([F(FinalLoss), F(FirstStepLoss), F(LowestEpochLoss), string.Join(";", EpochLosses.Select(F)),
                Seconds.ToString("F1", CultureInfo.InvariantCulture), string.Join(";", Scores.Select(s => $"{s.Key}={F(s.Value)}"))]));

    public static HeadRun Parse(string line)
    {
        var cells = line.Split(',');
        if (cells.Length != SettingColumns.Count + OutcomeColumns.Length)
            throw new FormatException($"{cells.Length} cells where the header has {SettingColumns.Count + OutcomeColumns.Length}.");
        var settings = new JsonObject();
        for (int i = 0; i < SettingColumns.Count; i++)
            settings[SettingColumns[i]] = double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? JsonValue.Create(number) : JsonValue.Create(cells[i]);
        var experiment = settings.Deserialize<Experiment>(Json.Options)!.Validated();
        var c = cells[SettingColumns.Count..];
        double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);
        var scores = c[5].Length == 0 ? new Dictionary<string, double>()
            : c[5].Split(';').Select(s => s.Split('=')).ToDictionary(kv => kv[0], kv => D(kv[1]));
        return new HeadRun(experiment, D(c[0]), D(c[1]), D(c[2]), c[3].Split(';').Select(D).ToArray(), D(c[4]), scores);
    }

    /// <summary>
    /// The first setting, other than head and seed, in which this run differs from <paramref name="wanted"/>, as
    /// "Name: had, wanted"; null when it was made at the wanted settings (epochs: the ones it finished).
    /// </summary>
    public string? DifferingSetting(Experiment wanted)
    {
        var had = JsonSerializer.SerializeToNode(Experiment with { Head = wanted.Head, Seed = wanted.Seed }, Json.Options)!.AsObject();
        var want = JsonSerializer.SerializeToNode(wanted, Json.Options)!.AsObject();
        foreach (var column in SettingColumns)
            if (had[column]!.ToJsonString() != want[column]!.ToJsonString())
                return $"{column} {had[column]} (the profile asks {want[column]})";
        return null;
    }

    /// <summary>The settings runs share in a table: data, encoders, images; SGD lr, momentum, batch, epochs.</summary>
    public string Settings => string.Create(CultureInfo.InvariantCulture,
        $"{Experiment.Data}, {Experiment.Encoder}, {Experiment.ImageSize}x{Experiment.ImageSize}; {Experiment.LearningRate}, {Experiment.Momentum}, {Experiment.BatchSize}, {Experiment.Epochs}");

    private static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
