using XnorSpec.Files;
using System.CommandLine;
using XnorSpec.Experiments;

namespace XnorSpec.Tools;

/// <summary>`spec-doc`: spec/SPEC.md from a test run's TRX results, or, with --check, whether it is stale.</summary>
internal static class SpecDocCommand
{
    public static Command Create()
    {
        var trx = new Option<string>("--trx") { Description = "The TRX file, or a folder whose newest .trx is used. Default: TestResults (what `dotnet test --settings coverage.runsettings` writes).", DefaultValueFactory = _ => "TestResults" };
        var output = new Option<string?>("--out") { Description = "The document. Default: spec/SPEC.md in the repository." };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 when the document's headings and sentences differ from the run's." };
        var command = new Command("spec-doc", """
            Turn a test run's results into the spec document: one section per claim class, each spec as a
            sentence with its outcome and the figures it printed, plus the device and date. Run it after a
            complete test run (every spec), so that no sentence is missing.

            Examples:
              dotnet test --settings coverage.runsettings && xnor-spec-tools spec-doc
              xnor-spec-tools spec-doc --check --trx TestResults/spec.trx
            """)
        { trx, output, check };
        command.SetAction(parsed =>
        {
            var trxPath = Resolve(parsed.GetValue(trx)!);
            var docPath = parsed.GetValue(output) ?? Path.Combine(Directory.GetParent(Fixtures.Directory)!.FullName, "spec", "SPEC.md");
            var (specs, started) = SpecDocument.ReadTrx(trxPath);
            var fresh = SpecDocument.Render(specs, started);
            if (!parsed.GetValue(check))
            {
                Files.AtomicFile.WriteAllText(docPath, fresh);
                Console.WriteLine($"Wrote {docPath} from {trxPath}.");
                return ExitCodes.Success;
            }
            return Check(docPath, fresh, trxPath);
        });
        return command;
    }

    private static int Check(string docPath, string fresh, string trxPath)
    {
        if (!File.Exists(docPath))
            throw new ArgumentException($"No spec document at {docPath}; write it with `xnor-spec-tools spec-doc --trx {trxPath}`.");
        var committed = SpecDocument.Skeleton(File.ReadAllText(docPath));
        var current = SpecDocument.Skeleton(fresh);
        var missing = current.Except(committed).ToArray();
        var gone = committed.Except(current).ToArray();
        if (committed.SequenceEqual(current))
        {
            Console.WriteLine($"{docPath} is current: {current.Count(l => l.StartsWith("- "))} spec sentences match {trxPath}.");
            return ExitCodes.Success;
        }
        Console.Error.WriteLine($"error: {docPath} is stale against {trxPath}.");
        foreach (var line in missing) Console.Error.WriteLine($"  not in the document: {line}");
        foreach (var line in gone) Console.Error.WriteLine($"  no longer a spec:    {line}");
        if (missing.Length == 0 && gone.Length == 0) Console.Error.WriteLine("  the same sentences, in another order or under other headings.");
        Console.Error.WriteLine($"Fix: run every spec, then `xnor-spec-tools spec-doc --trx {trxPath}`, and commit {docPath}.");
        return ExitCodes.RunFailed;
    }

    private static string Resolve(string path)
    {
        if (File.Exists(path)) return path;
        if (Directory.Exists(path))
        {
            var newest = new DirectoryInfo(path).EnumerateFiles("*.trx", SearchOption.AllDirectories)
                .OrderByDescending(f => f.LastWriteTimeUtc).FirstOrDefault();
            if (newest is not null) return newest.FullName;
        }
        throw new ArgumentException($"No TRX results at {path}; run `dotnet test --settings coverage.runsettings` first, or pass --trx FILE.");
    }
}
