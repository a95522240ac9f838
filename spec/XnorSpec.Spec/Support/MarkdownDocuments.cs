using System.Text;
using System.Text.RegularExpressions;

namespace XnorSpec.Spec.Support;

/// <summary>One Markdown document of the repository, split into what the documentation specs check.</summary>
public sealed partial record MarkdownDocument(string Path, string RelativePath, string Text)
{
    public string Folder => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>Fenced code blocks with their info string ("bash", "" ...), in order.</summary>
    public IEnumerable<(string Language, string Code)> FencedBlocks =>
        Fence().Matches(Text).Select(m => (m.Groups["lang"].Value.Trim(), m.Groups["code"].Value));

    /// <summary>The prose: the text with its fenced blocks removed.</summary>
    public string Prose => Fence().Replace(Text, "");

    /// <summary>Inline code spans of the prose, e.g. `src/XnorSpec/Model`.</summary>
    public IEnumerable<string> CodeSpans => InlineCode().Matches(Prose).Select(m => m.Groups["code"].Value);

    /// <summary>Targets of inline links and images outside code, e.g. [text](spec/SPEC.md#claims).</summary>
    public IEnumerable<string> LinkTargets => Link().Matches(InlineCode().Replace(Prose, "")).Select(m => m.Groups["target"].Value);

    /// <summary>GitHub's anchors for the document's headings: lower case, punctuation dropped, spaces to hyphens.</summary>
    public IReadOnlySet<string> Anchors => Heading().Matches(Prose)
        .Select(m => Regex.Replace(m.Groups["title"].Value.Trim().ToLowerInvariant(), @"[^\p{L}\p{N} _-]", "").Replace(' ', '-'))
        .ToHashSet();

    [GeneratedRegex(@"^```(?<lang>[^\n`]*)\n(?<code>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"`(?<code>[^`\n]+)`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"!?\[[^\]\n]*\]\((?<target>[^)\s]+)(\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6}\s+(?<title>.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}

/// <summary>
/// The repository's Markdown documents and the rules for what in them names a repository path.
/// Generated files (spec/SPEC.md) and ignored build or run outputs are left out.
/// </summary>
public static class MarkdownDocuments
{
    public static string Root => CliProcess.RepositoryRoot;

    /// <summary>The folders and files at the repository's top level that documents may name; the design fixes them.</summary>
    private static readonly string[] TopLevel = ["src", "spec", "fixtures", ".ci", ".github", "Spec.sln", "coverage.runsettings", "README.md"];

    public static IReadOnlyList<MarkdownDocument> All { get; } = Find();

    private static List<MarkdownDocument> Find()
    {
        var ignored = new GitIgnore(Root);
        return Directory.EnumerateFiles(Root, "*.md", SearchOption.AllDirectories)
            .Select(path => (path, relative: System.IO.Path.GetRelativePath(Root, path).Replace('\\', '/')))
            .Where(f => !f.relative.StartsWith(".git/", StringComparison.Ordinal) && !ignored.Ignores(f.relative))
            .Where(f => f.relative != "spec/SPEC.md")
            .OrderBy(f => f.relative, StringComparer.Ordinal)
            .Select(f => new MarkdownDocument(f.path, f.relative, File.ReadAllText(f.path)))
            .ToList();
    }

    /// <summary>
    /// Words of a code span or block that name a path in the repository: they contain a '/' and start with a
    /// top-level entry (resolved from the root) or with an entry of the document's own folder (resolved from
    /// there). Placeholders in capitals (results/PROFILE), build outputs and ignored paths are not claims.
    /// </summary>
    public static IEnumerable<(string Word, string Resolved)> RepositoryPaths(MarkdownDocument document, string code)
    {
        var ignored = new GitIgnore(Root);
        foreach (var raw in code.Split([' ', '\t', '\n', '"', '\'', '(', ')', '[', ']', '=', '`'], StringSplitOptions.RemoveEmptyEntries))
        {
            var word = raw.TrimEnd(',', ';', ':', '.', '!', '?');
            if (!word.Contains('/') || word.Contains("://") || word.StartsWith('/')) continue;
            var first = word.Split('/')[0];
            // "../" is relative to the document, and a path that leaves the repository is always missing: a clone has nothing beside it.
            string? resolved = first == ".." ? System.IO.Path.GetFullPath(System.IO.Path.Combine(document.Folder, word))
                : TopLevel.Contains(first) ? System.IO.Path.Combine(Root, word)
                : first.Length > 0 && (File.Exists(System.IO.Path.Combine(document.Folder, first)) || Directory.Exists(System.IO.Path.Combine(document.Folder, first)))
                    ? System.IO.Path.Combine(document.Folder, word) : null;
            if (resolved is null || word.Split('/').Any(part => Regex.IsMatch(part, "^[A-Z][A-Z_]+$")) || word.Contains("/bin/") || word.Contains("/obj/")) continue;
            var relative = System.IO.Path.GetRelativePath(Root, resolved).Replace('\\', '/');
            if (!relative.StartsWith("../", StringComparison.Ordinal) && ignored.Ignores(relative)) continue;
            yield return (word, resolved);
        }
    }

    /// <summary>
    /// A path exists as a file or a folder inside the repository (a clone has nothing beside it); a '*' in its
    /// last part must match at least one file.
    /// </summary>
    public static bool Exists(string path)
    {
        var root = System.IO.Path.GetFullPath(Root).TrimEnd('/') + "/";
        if (!(System.IO.Path.GetFullPath(path).TrimEnd('/') + "/").StartsWith(root, StringComparison.Ordinal)) return false;
        var name = System.IO.Path.GetFileName(path.TrimEnd('/'));
        if (!name.Contains('*')) return File.Exists(path) || Directory.Exists(path);
        var folder = System.IO.Path.GetDirectoryName(path.TrimEnd('/'))!;
        return Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder, name).Any();
    }

    /// <summary>Splits one shell line into words as the shell would for plain quoting; a '#' outside quotes starts a comment.</summary>
    public static List<string> ShellWords(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in line)
        {
            if (quote != '\0')
            {
                if (c == quote) quote = '\0'; else word.Append(c);
            }
            else if (c is '"' or '\'') { quote = c; inWord = true; }
            else if (c == '#' && !inWord) break;
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
            }
            else { word.Append(c); inWord = true; }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>The repository's .gitignore, as far as this repository uses it: names anywhere, anchored paths, '*' in names.</summary>
    private sealed class GitIgnore(string root)
    {
        private readonly string[] patterns = File.Exists(System.IO.Path.Combine(root, ".gitignore"))
            ? File.ReadAllLines(System.IO.Path.Combine(root, ".gitignore")).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray()
            : [];

        public bool Ignores(string relative)
        {
            var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
            foreach (var pattern in patterns)
            {
                var trimmed = pattern.Trim('/');
                bool anchored = pattern.StartsWith('/') || trimmed.Contains('/');
                if (anchored)
                {
                    if (relative == trimmed || relative.StartsWith(trimmed + "/", StringComparison.Ordinal)) return true;
                }
                else if (parts.Any(part => Regex.IsMatch(part, "^" + Regex.Escape(trimmed).Replace(@"\*", ".*") + "$"))) return true;
            }
            return false;
        }
    }
}
