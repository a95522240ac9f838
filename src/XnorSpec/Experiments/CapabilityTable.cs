using System.Globalization;
using System.Text;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Experiments;

/// <summary>
/// The capability tables, rendered from real runs, never typed: head | separable | settings | final loss |
/// the pair source's columns (colours: XNOR loss and "learns XNOR"; real images: held-out MSE, accuracy and
/// "beats the separable bound") | parameters. The README holds a copy of each between two markers; a spec
/// fails when a copy differs from a fresh rendering.
/// </summary>
public static class CapabilityTable
{
    public static string CsvPath => CsvPathOf("heads");

    /// <summary>Each profile's runs file: fixtures/reproduction/PROFILE.csv (heads.csv for the heads profile).</summary>
    public static string CsvPathOf(string profile) => Fixtures.Path("reproduction", profile + ".csv");

    public static IReadOnlyList<HeadRun> Load(string? path = null)
    {
        path ??= CsvPath;
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || lines[0] != HeadRun.CsvHeader)
            throw new BadFileException(path, "not a runs file in the current format (its first line differs: every setting of the experiment is a column)",
                $"Pass a file whose first line is '{HeadRun.CsvHeader}', or record the runs again into a new file.");
        return lines.Skip(1).Select((line, i) => (line, i)).Where(l => l.line.Length > 0).Select(l =>
        {
            try { return HeadRun.Parse(l.line); }
            catch (Exception e) when (e is FormatException or ArgumentException or System.Text.Json.JsonException)
            { throw new BadFileException(path, $"line {l.i + 2} cannot be read ({e.Message})", "Remove or repair that line; the runs before it are kept."); }
        }).ToArray();
    }

    /// <summary>The runs' data source, which every run of one table shares.</summary>
    public static PairSource SourceOf(IReadOnlyList<HeadRun> runs)
    {
        var data = runs.Select(r => r.Experiment.Data).Distinct().ToArray();
        if (data.Length != 1)
            throw new ArgumentException($"A capability table shows runs on one data source; these are on {(data.Length == 0 ? "none" : string.Join(" and ", data))}.", nameof(runs));
        return PairSources.For(data[0]);
    }

    public static string Markdown(IReadOnlyList<HeadRun> runs, IReadOnlyDictionary<FusionKind, long> headParameters)
    {
        using var source = SourceOf(runs);
        var columns = new[] { "head", "separable", "data, encoders, images; SGD lr, momentum, batch, epochs", "final training loss" }
            .Concat(source.CapabilityColumns).Append("head parameters").ToArray();
        var table = new StringBuilder();
        table.AppendLine("| " + string.Join(" | ", columns) + " |");
        table.AppendLine("|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var group in runs.GroupBy(r => r.Experiment.Head).OrderBy(g => g.Key))
        {
            var seeds = group.ToArray();
            var cells = new[] { group.Key.ToString(), FusionHead.IsSeparable(group.Key) ? "yes" : "no", seeds[0].Settings, Statistics.Range(seeds.Select(r => r.FinalLoss)) }
                .Concat(source.CapabilityCells(seeds)).Append(headParameters[group.Key].ToString("N0", CultureInfo.InvariantCulture));
            table.AppendLine("| " + string.Join(" | ", cells) + " |");
        }
        return table.ToString();
    }

    public static string FromReadme(string readme, (string Start, string End) markers)
    {
        var (startMarker, endMarker) = markers;
        int start = readme.IndexOf(startMarker, StringComparison.Ordinal), end = readme.IndexOf(endMarker, StringComparison.Ordinal);
        if (start < 0 || end < start) throw new InvalidDataException($"README has no capability table between '{startMarker}' and '{endMarker}'.");
        return readme[(start + startMarker.Length)..end].Trim('\n');
    }

    public static string IntoReadme(string readme, string table, (string Start, string End) markers)
    {
        var (startMarker, endMarker) = markers;
        int start = readme.IndexOf(startMarker, StringComparison.Ordinal), end = readme.IndexOf(endMarker, StringComparison.Ordinal);
        if (start < 0 || end < start) throw new InvalidDataException($"README has no capability table between '{startMarker}' and '{endMarker}'.");
        return readme[..(start + startMarker.Length)] + "\n" + table.Trim('\n') + "\n" + readme[end..];
    }
}

public static class HeadParameters
{
    /// <summary>Trainable parameters of each head over ResNet18's 1000 features (the two encoders add 2 x 11,689,512).</summary>
    public static IReadOnlyDictionary<FusionKind, long> Count()
    {
        Runtime.NativeBackend.EnsureLoaded();
        return Enum.GetValues<FusionKind>().ToDictionary(k => k, k =>
        {
            using var head = FusionHead.Create(k, Encoders.FeatureSize(EncoderKind.ResNet18));
            return head.parameters().Sum(p => p.numel());
        });
    }
}
