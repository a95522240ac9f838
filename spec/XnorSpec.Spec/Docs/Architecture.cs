using System.Reflection;
using System.Text.RegularExpressions;
using FluentAssertions;
using XnorSpec.Spec.Support;
using Xunit;
using Xunit.Abstractions;
using XnorSpec.Cli;
using XnorSpec.Runtime;

namespace XnorSpec.Spec.Docs;

/// <summary>
/// Claim: the core's document (src/XnorSpec/README.md) draws the architecture the code has. Its layers are
/// the core's namespaces, and every reference in the code (a using directive or a qualified name) goes from
/// a layer to one below it, so the namespaces hold no loops; every type the document names (in its layer list
/// and in backticks) exists.
/// </summary>
public sealed partial class Architecture(ITestOutputHelper output)
{
    private static readonly string Core = Path.Combine(MarkdownDocuments.Root, "src", "XnorSpec");

    /// <summary>The layers as the document lists them, top first.</summary>
    private static IReadOnlyList<string> Layers()
    {
        var text = File.ReadAllText(Path.Combine(Core, "README.md"));
        var block = Regex.Match(text, "<!-- layers:start[^>]*-->(.*?)<!-- layers:end -->", RegexOptions.Singleline);
        block.Success.Should().BeTrue("the core's document marks its list of layers");
        return LayerLine().Matches(block.Groups[1].Value).Select(m => m.Groups[1].Value).ToArray();
    }

    [Fact]
    public void The_documented_layers_are_the_core_namespaces_and_every_reference_goes_down_a_layer()
    {
        var layers = Layers();
        var folders = Directory.GetDirectories(Core).Select(Path.GetFileName).Where(f => Directory.GetFiles(Path.Combine(Core, f!), "*.cs").Length > 0).Order().ToArray();
        layers.Order().Should().Equal(folders, "the document lists every namespace of the core, each once");

        var upward = new List<string>();
        foreach (var layer in layers)
            foreach (var file in Directory.GetFiles(Path.Combine(Core, layer), "*.cs"))
            {
                var code = string.Join("\n", File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal)));
                foreach (var other in layers.Where(o => o != layer))
                {
                    bool uses = Regex.IsMatch(code, $@"using XnorSpec\.{other};|XnorSpec\.{other}\.|(?<![.\w]){other}\.[A-Z]\w*[.(<\s;,)]");
                    if (uses && IndexOf(layers, other) < IndexOf(layers, layer))
                        upward.Add($"{layer} -> {other} in {Path.GetRelativePath(MarkdownDocuments.Root, file)}");
                }
            }
        output.WriteLine(string.Join(" > ", layers));
        upward.Should().BeEmpty("each namespace may use only the layers below it (src/XnorSpec/README.md); move the code or the type");
    }

    [Fact]
    public void Every_type_the_core_document_names_exists_in_the_core()
    {
        var text = File.ReadAllText(Path.Combine(Core, "README.md"));
        var types = typeof(Trainer).Assembly.GetTypes().Select(t => t.Name.Split('`')[0]).ToHashSet();
        var layerBlock = Regex.Match(text, "<!-- layers:start[^>]*-->(.*?)<!-- layers:end -->", RegexOptions.Singleline).Groups[1].Value;
        var listed = LayerLine().Replace(layerBlock, "").Split([' ', ',', ':', '\n', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => Regex.IsMatch(w, "^[A-Z][A-Za-z]+$"));
        var named = TypeName().Matches(text).Select(m => m.Groups[1].Value).Concat(listed).Distinct().ToArray();
        named.Length.Should().BeGreaterThan(20, "the document names the types of each layer");
        var unknown = named.Where(n => !types.Contains(n.Split('.')[0]) && !Layers().Contains(n)).ToArray();
        unknown.Should().BeEmpty("every type the architecture names must exist (or the document must change with the code)");

        var members = named.Where(n => n.Contains('.')).ToArray();
        foreach (var member in members)
        {
            var (type, name) = (member.Split('.')[0], member.Split('.')[1]);
            typeof(Trainer).Assembly.GetTypes().Where(t => t.Name == type)
                .SelectMany(t => t.GetMember(name, BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance))
                .Should().NotBeEmpty($"{member} is named by the document");
        }
    }

    [Fact]
    public void The_core_says_what_is_wrong_and_the_command_line_says_which_command_or_option_fixes_it()
    {
        var named = new List<string>();
        foreach (var file in Directory.GetFiles(Core, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")))
            foreach (var (line, number) in File.ReadAllLines(file).Select((l, i) => (l, i + 1)))
                // The README markers name the command that regenerates the table they enclose: file format, not a message.
                if (!line.TrimStart().StartsWith("//", StringComparison.Ordinal) && !line.Contains("-table:start")
                    && CommandWords().IsMatch(string.Concat(StringLiteral().Matches(line).Select(m => m.Value))))
                    named.Add($"{Path.GetRelativePath(MarkdownDocuments.Root, file)}:{number}: {line.Trim()}");
        named.Should().BeEmpty("a core message says what is wrong and carries a Remedy; src/XnorSpec.Cli/RemedyWords.cs words it as a command");

        foreach (var remedy in Enum.GetValues<Remedy>())
            foreach (string[] choices in new[] { Array.Empty<string>(), ["Concat", "Product"] })
            {
                Remedies.Plain(remedy, choices).Should().NotMatchRegex(CommandWords().ToString(), $"the core's own wording of {remedy} names no command");
                RemedyWords.For(remedy, choices).Should().MatchRegex(CommandWords().ToString(), $"the command line words {remedy} as what to type");
            }
    }

    private static int IndexOf(IReadOnlyList<string> layers, string layer) => layers.ToList().IndexOf(layer);

    // An option (--head) or a command of the command line (`xnor-spec train`).
    [GeneratedRegex(@"(?<![\w-])--[a-z]|xnor-spec (?:train|reproduce|predict|check|export|import|heads)\b")]
    private static partial Regex CommandWords();

    // A C# string literal, regular or interpolated, on one line.
    [GeneratedRegex(@"\$?""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    // A layer line: the namespace at the start of the line, then its contents.
    [GeneratedRegex(@"^([A-Z][a-z]+)\s{2,}", RegexOptions.Multiline)]
    private static partial Regex LayerLine();

    // A type, or Type.Member, in backticks or in the layer lines: CamelCase words of the core.
    [GeneratedRegex(@"`([A-Z][A-Za-z]+(?:\.[A-Z][A-Za-z]+)?)[`(]")]
    private static partial Regex TypeName();
}
