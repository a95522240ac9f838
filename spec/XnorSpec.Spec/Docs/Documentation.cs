using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;

namespace XnorSpec.Spec.Docs;

/// <summary>
/// Claim: the documents cannot rot unnoticed. Every relative link and every repository path they name
/// exists, every `xnor-spec` and `xnor-spec-tools` command they show parses, and the reliability table names real specs.
/// </summary>
public partial class Documentation(ITestOutputHelper output)
{
    [Fact]
    public void Every_relative_link_in_the_Markdown_documents_leads_to_a_file_or_heading_that_exists()
    {
        var broken = new List<string>();
        int checkedLinks = 0;
        foreach (var document in MarkdownDocuments.All)
        {
            foreach (var target in document.LinkTargets.Where(t => !Regex.IsMatch(t, "^[a-z]+:")))
            {
                checkedLinks++;
                var (file, anchor) = target.Split('#', 2) is [var f, var a] ? (f, a) : (target, null);
                var path = file.Length == 0 ? document.Path : Path.GetFullPath(Path.Combine(document.Folder, file));
                if (!MarkdownDocuments.Exists(path)) broken.Add($"{document.RelativePath}: ({target}) leads nowhere");
                else if (anchor is not null && path.EndsWith(".md", StringComparison.Ordinal)
                         && !MarkdownDocuments.All.Single(d => d.Path == path).Anchors.Contains(anchor))
                    broken.Add($"{document.RelativePath}: ({target}) names no heading of {file}");
            }
        }
        output.WriteLine($"{checkedLinks} relative links in {MarkdownDocuments.All.Count} documents");

        checkedLinks.Should().BeGreaterThan(10, "the README links to its topic documents");
        broken.Should().BeEmpty("every relative link must lead to a file or heading that exists; fix the link or the file");
    }

    [Fact]
    public void The_quoted_question_has_the_settings_of_the_seed_profile()
    {
        // The question's page is the evidence for the seed profile's numbers; the two must not drift apart.
        var question = File.ReadAllText(Path.Combine(MarkdownDocuments.Root, "fixtures", "question", "README.md"));
        var seed = XnorSpec.Experiments.Profile.Load("seed").Settings;
        string Quoted(string pattern) => Regex.Match(question, pattern).Groups[1].Value;

        Quoted(@"optim\.SGD\(t_eval\.parameters\(\), lr=([0-9.]+)").Should().Be(seed.LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Quoted(@"momentum=([0-9.]+)\)").Should().Be(seed.Momentum.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Quoted(@"epochs = ([0-9]+)").Should().Be(seed.Epochs.ToString());
        Quoted(@"__len__\(self\):\s+return ([0-9]+)").Should().Be(seed.Pairs.ToString());
        Quoted(@"pairs of images \(3x([0-9]+)x").Should().Be(seed.ImageSize.ToString());
        question.Should().Contain("nn.Linear(2000, 1)").And.Contain("torch.cat([q,t],-1)").And.Contain("q_features * t_features");
    }

    [Fact]
    public void Every_repository_path_the_Markdown_documents_name_exists()
    {
        var missing = new List<string>();
        int checkedPaths = 0;
        foreach (var document in MarkdownDocuments.All)
        {
            var code = document.CodeSpans.Concat(document.FencedBlocks.Select(b => b.Code));
            foreach (var (word, resolved) in code.SelectMany(c => MarkdownDocuments.RepositoryPaths(document, c)))
            {
                checkedPaths++;
                if (!MarkdownDocuments.Exists(resolved)) missing.Add($"{document.RelativePath}: {word}");
            }
        }
        output.WriteLine($"{checkedPaths} repository paths in {MarkdownDocuments.All.Count} documents");

        checkedPaths.Should().BeGreaterThan(50);
        missing.Should().BeEmpty("every path a document names must exist; fix the document or restore the file");
    }

    [Fact]
    public void Every_xnor_spec_command_in_a_shell_block_of_the_documents_parses()
    {
        var failures = new List<string>();
        int commands = 0;
        foreach (var document in MarkdownDocuments.All)
        {
            // Shell blocks, and untagged blocks, which show commands and what they print.
            foreach (var (_, code) in document.FencedBlocks.Where(b => b.Language is "bash" or "sh" or "shell" or ""))
            {
                foreach (var line in code.Split('\n'))
                {
                    var command = CommandArguments(MarkdownDocuments.ShellWords(line));
                    if (command is not var (tools, args)) continue;
                    commands++;
                    var errors = tools ? XnorSpec.Tools.CommandLine.ParseErrors([.. args]) : XnorSpec.Cli.CommandLine.ParseErrors([.. args]);
                    if (errors.Count > 0) failures.Add($"{document.RelativePath}: `{line.Split('#')[0].Trim()}`: {string.Join("; ", errors)}");
                }
            }
        }
        output.WriteLine($"{commands} xnor-spec and xnor-spec-tools commands in shell blocks");

        commands.Should().BeGreaterThan(10);
        failures.Should().BeEmpty("every command the documents show must parse with its program's own parser (the options of its --help)");
    }

    [Fact]
    public void Every_spec_the_reliability_table_names_exists_and_every_spec_of_the_fault_classes_is_named()
    {
        var table = File.ReadAllText(Path.Combine(MarkdownDocuments.Root, "spec", "RELIABILITY.md"));
        // The third column of each row: "fault or bad input | what the user sees | spec that proves it".
        var proofs = table.Split('\n').Where(line => line.StartsWith('|')).Select(line => line.Split('|')).Where(cells => cells.Length > 3).Select(cells => cells[3]);
        var named = proofs.SelectMany(cell => SpecName().Matches(cell)).Select(m => m.Groups["name"].Value).ToHashSet();
        var specs = typeof(Documentation).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods().Where(IsSpec).Select(method => $"{type.Name}.{method.Name}"))
            .ToHashSet();
        output.WriteLine($"{named.Count} specs named in spec/RELIABILITY.md");

        named.Except(specs).Should().BeEmpty("every spec the reliability table names must exist (renamed? update the table)");
        specs.Where(s => FaultClasses.Contains(s.Split('.')[0])).Except(named)
            .Should().BeEmpty("every spec about a fault or bad input must have its row in spec/RELIABILITY.md");
    }

    /// <summary>Classes whose every spec is about a bad input or a fault, so each must appear in the reliability table.</summary>
    private static readonly string[] FaultClasses = ["Bad_input", "Bad_settings", "Interruption", "Divergence", "Atomic_results", "One_writer_per_output", "Surroundings", "Bad_PyTorch_files"];

    private static bool IsSpec(MethodInfo method) => method.GetCustomAttributes().Any(a => a is FactAttribute || a.GetType().Name == "PropertyAttribute");

    /// <summary>
    /// Which program a documented command line runs (the maintainer's tools or the user's) and its
    /// arguments, or null when the line runs neither.
    /// </summary>
    private static (bool Tools, List<string> Args)? CommandArguments(List<string> words)
    {
        var rest = words.SkipWhile(w => w == "$" || Regex.IsMatch(w, "^[A-Z_]+=")).ToList(); // a prompt, VARIABLE=value prefixes
        return rest switch
        {
            ["xnor-spec", .. var args] => (false, args),
            ["dotnet", "run", "--project", "src/XnorSpec.Cli", "--", .. var args] => (false, args),
            ["xnor-spec-tools", .. var args] => (true, args),
            ["dotnet", "run", "--project", "src/XnorSpec.Tools", "--", .. var args] => (true, args),
            _ => null,
        };
    }

    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z_]*\.[A-Za-z][A-Za-z0-9_]*)`")]
    private static partial Regex SpecName();
}
