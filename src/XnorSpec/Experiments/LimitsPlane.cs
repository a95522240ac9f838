using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using XnorSpec.Data;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Experiments;

/// <summary>
/// One recorded run as a point of the plane of the two limits: its balanced MSE and its accuracy.
/// <see cref="Source"/> is the file under fixtures/reproduction it comes from.
/// </summary>
public sealed record LimitsPoint(string Source, PairData Data, FusionKind Head, string Encoder, long Seed, double Mse, double Accuracy)
{
    public bool Separable => FusionHead.IsSeparable(Head);

    /// <summary>Inside the region where every separable head lies on balanced pairs: MSE at least 1/4 and accuracy at most 3/4.</summary>
    public bool InSeparableRegion => Mse >= LimitsPlane.SeparableMseAtLeast && Accuracy <= LimitsPlane.SeparableAccuracyAtMost;
}

/// <summary>
/// The points of fixtures/reproduction/limits.csv (and limits.png), computed from the recorded runs, never typed.
/// On colours a point is the run's eval-mode outputs for BB, BW, WB, WW against the XNOR labels 1, 0, 0, 1:
/// their mean squared error, and the fraction of the four on the right side of 0.5 (an output above 0.5 says
/// "same"). On real images it is the run's held-out MSE and accuracy on its 1000 test-split pairs after the last
/// epoch. Only same-colour and same-category runs are points; the controls' labels are not the comparison.
/// </summary>
/// <remarks>
/// For a separable head both figures are bounded on balanced pairs: MSE at least 1/4 and accuracy at most 3/4.
/// On the four colour pairs both bounds are exact for any weights (the encoders see one image each in eval mode);
/// on real images they hold for the balanced population, and 1000 held-out pairs carry sampling noise.
/// </remarks>
public static class LimitsPlane
{
    public const double SeparableMseAtLeast = 0.25, SeparableAccuracyAtMost = 0.75, Chance = 0.5;

    public const string CsvHeader = "source,data,head,encoder,seed,mse,accuracy";

    public static string CsvPath => Fixtures.Path("reproduction", "limits.csv");

    public static string PicturePath => Fixtures.Path("reproduction", "limits.png");

    /// <summary>Colour runs in the study's CSV format: every setting, then eval-mode BB..WW per row.</summary>
    public static readonly IReadOnlyList<string> ColourStudies =
        ["heads-predictions.csv", "quick-smallcnn-study.csv", "study.csv", "quick-study-bs50-lr0.05-mom0.9.csv"];

    /// <summary>Colour runs printed as text lines with "BB=.. BW=.. WB=.. WW=.." (three decimals); the head where a line does not name it.</summary>
    public static readonly IReadOnlyList<(string File, EncoderKind Encoder, FusionKind Head)> ColourTexts =
    [
        ("quick-smallcnn-product-lr0.01.txt", EncoderKind.SmallCnn, FusionKind.Product),
        ("quick-study-concat-bs10-lr0.01.txt", EncoderKind.ResNet18, FusionKind.Concat),
    ];

    /// <summary>
    /// Real-image runs in the heads runs format (held-out MSE and accuracy per row). real-images-quick.csv is not a
    /// source: its same-category runs are heads-fashion-lr0.1.csv's Concat and Product runs (same setting, seeds, figures).
    /// </summary>
    public static readonly IReadOnlyList<string> RealImageHeadRuns = ["heads-fashion.csv", "heads-fashion-lr0.1.csv"];

    /// <summary>results.json files of the full real-image fidelity.</summary>
    public const string FullDatasetFolder = "fashion-resnet18";

    /// <summary>Every point, from the files under <paramref name="folder"/> (default fixtures/reproduction), in a fixed order.</summary>
    public static IReadOnlyList<LimitsPoint> FromRecordedRuns(string? folder = null)
    {
        folder ??= Fixtures.Path("reproduction");
        var points = new List<LimitsPoint>();
        foreach (var file in ColourStudies) points.AddRange(FromStudy(folder, file));
        foreach (var (file, encoder, head) in ColourTexts) points.AddRange(FromText(folder, file, encoder, head));
        foreach (var file in RealImageHeadRuns)
            points.AddRange(CapabilityTable.Load(Path.Combine(folder, file)).Where(r => r.Scores.ContainsKey(HeldOutScores.MseName))
                .Select(r => new LimitsPoint(file, r.Experiment.Data, r.Experiment.Head, r.Experiment.Encoder.ToString(), r.Experiment.Seed,
                    r.Score(HeldOutScores.MseName), r.Score(HeldOutScores.AccuracyName))));
        foreach (var path in Directory.GetFiles(Path.Combine(folder, FullDatasetFolder), "*.json").Order(StringComparer.Ordinal))
        {
            var source = $"{FullDatasetFolder}/{Path.GetFileName(path)}";
            points.AddRange(ResultsFile.Load(path).Experiments
                .Where(e => e.Completed && e.Experiment.Labels == LabelRule.SameCategory && e.HeldOut is not null)
                .Select(e => new LimitsPoint(source, e.Experiment.Data, e.Experiment.Head, e.Experiment.Encoder.ToString(), e.Experiment.Seed, e.HeldOut!.Mse, e.HeldOut.Accuracy)));
        }
        return points;
    }

    /// <summary>MSE and accuracy of the four colour pairs BB, BW, WB, WW against XNOR (same colour = 1).</summary>
    public static (double Mse, double Accuracy) FourPairs(double bb, double bw, double wb, double ww)
    {
        var pairs = new[] { (bb, 1.0), (bw, 0.0), (wb, 0.0), (ww, 1.0) };
        return (pairs.Average(p => (p.Item1 - p.Item2) * (p.Item1 - p.Item2)), pairs.Count(p => p.Item1 > 0.5 == p.Item2 > 0.5) / 4.0);
    }

    private static IEnumerable<LimitsPoint> FromStudy(string folder, string file)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, file));
        var column = lines[0].Split(',').Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i);
        foreach (var cells in lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')))
        {
            if (cells[column["labels"]] != nameof(LabelRule.SameColour)) continue;
            double P(string name) => double.Parse(cells[column[name]], CultureInfo.InvariantCulture);
            var (mse, accuracy) = FourPairs(P("BB"), P("BW"), P("WB"), P("WW"));
            yield return new LimitsPoint(file, PairData.Colours, Enum.Parse<FusionKind>(cells[column["head"]]), cells[column["encoder"]],
                long.Parse(cells[column["seed"]], CultureInfo.InvariantCulture), mse, accuracy);
        }
    }

    // "seed 3: ... BB=0.517 BW=0.417 WB=0.455 WW=0.617" or "Concat SameColour s3: ... BB=0.541 ...": only same-colour runs.
    private static readonly Regex TextRun = new(
        @"^(?:(?<head>[A-Za-z]+) SameColour s(?<seed>\d+)|seed (?<seed>\d+)):.*BB=(?<BB>[\d.]+) BW=(?<BW>[\d.]+) WB=(?<WB>[\d.]+) WW=(?<WW>[\d.]+)",
        RegexOptions.CultureInvariant);

    private static IEnumerable<LimitsPoint> FromText(string folder, string file, EncoderKind encoder, FusionKind head)
    {
        foreach (var line in File.ReadAllLines(Path.Combine(folder, file)))
        {
            var m = TextRun.Match(line);
            if (!m.Success) continue;
            double P(string name) => double.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);
            var (mse, accuracy) = FourPairs(P("BB"), P("BW"), P("WB"), P("WW"));
            yield return new LimitsPoint(file, PairData.Colours, m.Groups["head"].Success ? Enum.Parse<FusionKind>(m.Groups["head"].Value) : head,
                encoder.ToString(), long.Parse(m.Groups["seed"].Value, CultureInfo.InvariantCulture), mse, accuracy);
        }
    }

    public static string ToCsv(IEnumerable<LimitsPoint> points)
    {
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var p in points)
            csv.Append(string.Join(",", p.Source, p.Data, p.Head, p.Encoder, p.Seed.ToString(CultureInfo.InvariantCulture), F(p.Mse), F(p.Accuracy))).Append('\n');
        return csv.ToString();
    }

    public static IReadOnlyList<LimitsPoint> ParseCsv(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        if (lines[0] != CsvHeader) throw new InvalidDataException($"Not a limits file: its first line is not '{CsvHeader}'.");
        return lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).Select(c => new LimitsPoint(c[0], Enum.Parse<PairData>(c[1]), Enum.Parse<FusionKind>(c[2]), c[3],
            long.Parse(c[4], CultureInfo.InvariantCulture), double.Parse(c[5], CultureInfo.InvariantCulture), double.Parse(c[6], CultureInfo.InvariantCulture))).ToArray();
    }

    private static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);
}
