using XnorSpec.Files;
using System.CommandLine;
using XnorSpec.Experiments;

namespace XnorSpec.Tools;

/// <summary>
/// `limits`: fixtures/reproduction/limits.csv and limits.png, every recorded same-colour and same-category run
/// as a point of balanced MSE against accuracy, with the region a separable head can reach. Reads the recorded
/// files only; trains nothing.
/// </summary>
internal static class LimitsCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = "Folder for limits.csv and limits.png. Default: fixtures/reproduction." };
        var command = new Command("limits", """
            Draw the two limits of a separable head (balanced MSE at least 1/4, accuracy at most 3/4) with
            every recorded run in fixtures/reproduction as a point: limits.csv (source, data, head, encoder,
            seed, mse, accuracy) and limits.png. Reads the recorded files only; trains nothing.

            Examples:
              xnor-spec-tools limits
              xnor-spec-tools limits --out /tmp/limits
            """)
        { output };
        command.SetAction(parsed =>
        {
            var folder = parsed.GetValue(output) ?? Fixtures.Path("reproduction");
            Files.AtomicFile.EnsureWritableDirectory(folder);
            var points = LimitsPlane.FromRecordedRuns();
            var csv = LimitsPlane.ToCsv(points);
            var csvPath = Path.Combine(folder, "limits.csv");
            var pngPath = Path.Combine(folder, "limits.png");
            Files.AtomicFile.WriteAllText(csvPath, csv);
            Files.AtomicFile.WriteAllBytes(pngPath, LimitsPicture.Render(csv));
            foreach (var group in points.GroupBy(p => (p.Data, p.Separable)))
                Console.WriteLine($"{group.Key.Data}, {(group.Key.Separable ? "separable" : "non-separable")} heads: {group.Count()} runs, "
                    + $"{group.Count(p => p.InSeparableRegion)} in the separable region, MSE {group.Min(p => p.Mse):F4}-{group.Max(p => p.Mse):F4}, "
                    + $"accuracy {group.Min(p => p.Accuracy):F3}-{group.Max(p => p.Accuracy):F3}");
            Console.WriteLine($"Wrote {csvPath} ({points.Count} points) and {pngPath}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
