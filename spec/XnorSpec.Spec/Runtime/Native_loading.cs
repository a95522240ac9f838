using FluentAssertions;
using XnorSpec.Runtime;
using XnorSpec.Spec.Support;
using Xunit;
using static XnorSpec.Runtime.LibStdCxxCompat;

namespace XnorSpec.Spec.Runtime;

/// <summary>
/// TorchSharp 0.107's libLibTorchSharp.so needs GLIBCXX_3.4.32 only for a link-time marker symbol;
/// the build marks that requirement weak in its output copy when the system libstdc++ is older.
/// </summary>
public class Native_loading
{
    private static readonly (string, ushort)[] OnlyTheMarker =
        { (MarkerSymbol, SyntheticElf.Glibcxx3432Index), ("_ZNSt8ios_base4InitC1Ev", SyntheticElf.Glibcxx34Index) };

    [Fact]
    public void The_version_patch_marks_only_the_GLIBCXX_3_4_32_requirement_weak()
    {
        var elf = SyntheticElf.Build(OnlyTheMarker);
        var before = (byte[])elf.Clone();

        MakeRequirementWeak(elf).Should().Be(PatchOutcome.Patched);

        Requirement(elf, NeededVersion).Should().Be((true, true));
        Requirement(elf, "GLIBCXX_3.4").Should().Be((true, false));
        elf.Zip(before).Count(p => p.First != p.Second).Should().Be(1, "only the flags byte of one Vernaux entry changes");
    }

    [Fact]
    public void The_version_patch_is_idempotent()
    {
        var elf = SyntheticElf.Build(OnlyTheMarker);
        MakeRequirementWeak(elf);
        var once = (byte[])elf.Clone();

        MakeRequirementWeak(elf).Should().Be(PatchOutcome.AlreadyWeak);
        elf.Should().Equal(once);
    }

    [Fact]
    public void The_version_patch_refuses_a_library_that_really_uses_GLIBCXX_3_4_32()
    {
        var elf = SyntheticElf.Build(OnlyTheMarker.Append(("_ZNSt7__cxx1112basic_stringIcE6formatEv", SyntheticElf.Glibcxx3432Index)).ToArray());
        var before = (byte[])elf.Clone();

        MakeRequirementWeak(elf).Should().Be(PatchOutcome.RefusedOtherSymbolsNeedIt);
        elf.Should().Equal(before);
    }

    [Fact]
    public void The_version_patch_leaves_files_that_are_not_ELF64_or_do_not_need_the_version_alone()
    {
        var text = "not an ELF file at all, just some text padding it out beyond sixty-four bytes."u8.ToArray();
        MakeRequirementWeak(text).Should().Be(PatchOutcome.NotElf64);
        MakeRequirementWeak(SyntheticElf.Build(OnlyTheMarker), version: "GLIBCXX_9.9").Should().Be(PatchOutcome.NotRequired);
    }

    [Fact]
    public void Defined_versions_are_read_from_the_version_definition_section()
    {
        var library = SyntheticElf.Build(OnlyTheMarker, new[] { "GLIBCXX_3.4", "GLIBCXX_3.4.30" });

        DefinedVersions(library).Should().BeEquivalentTo("GLIBCXX_3.4", "GLIBCXX_3.4.30");
        DefinedVersions(SyntheticElf.Build(OnlyTheMarker)).Should().BeEmpty();
    }

    [Fact]
    public void The_native_backend_loads_and_computes()
    {
        NativeBackend.EnsureLoaded().Should().Contain("TorchSharp");
        using var sum = TorchSharp.torch.ones(3).sum();
        sum.item<float>().Should().Be(3f);
    }

    [Fact]
    public void The_build_patches_the_output_copy_only_when_the_system_libstdcxx_lacks_the_version()
    {
        var copies = Directory.GetFiles(AppContext.BaseDirectory, TorchSharpLibrary, SearchOption.AllDirectories);
        copies.Should().NotBeEmpty();
        bool systemHasIt = SystemLibStdCxxDefines(NeededVersion);
        foreach (var copy in copies)
            Requirement(File.ReadAllBytes(copy), NeededVersion).Should().Be((true, !systemHasIt), $"{copy} is patched exactly when needed");
    }

    [SkippableFact]
    public void The_build_never_modifies_the_NuGet_cache()
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var original = Path.Combine(cache, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", TorchSharpLibrary);
        Skip.IfNot(File.Exists(original), $"no NuGet cache copy at {original}");
        Requirement(File.ReadAllBytes(original), NeededVersion).Should().Be((true, false));
    }

    [Fact]
    public void A_missing_native_library_is_reported_with_its_name_cause_and_fix()
    {
        using var folder = new TemporaryFolder("xnorspec-empty-");
        var empty = folder.Location;
        var message = NativeBackend.Diagnose(empty);
        message.Should().Contain(TorchSharpLibrary).And.Contain("not found").And.Contain("Fix: run `dotnet build`");
    }

    [SkippableFact]
    public void An_unpatched_library_on_an_old_libstdcxx_is_reported_with_the_missing_version_and_the_fix()
    {
        Skip.If(SystemLibStdCxxDefines(NeededVersion), "this system's libstdc++ has GLIBCXX_3.4.32, so an unpatched library loads");
        using var folder = new TemporaryFolder("xnorspec-unpatched-");
        var dir = folder.Location;
        File.WriteAllBytes(Path.Combine(dir, TorchSharpLibrary), SyntheticElf.Build(OnlyTheMarker));

        var message = NativeBackend.Diagnose(dir);

        message.Should().Contain(TorchSharpLibrary).And.Contain(NeededVersion).And.Contain("lacks").And.Contain("dotnet build");
    }

    [SkippableFact]
    public void A_broken_native_library_at_start_up_gives_one_clear_message_and_exit_code_1()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "the copy below is laid out for linux-x64");
        var copy = Directory.CreateTempSubdirectory("xnorspec-broken-native-").FullName;
        try
        {
            var broken = CopyOfTheProgramWithAGarbageLibTorchSharp(copy);
            // NUGET_PACKAGES points nowhere, so TorchSharp cannot fall back to copying libtorch out of the NuGet cache.
            var start = new CliStart(Path.Combine(copy, "xnor-spec.dll"), new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(copy, "no-nuget-cache"), ["XNORSPEC_FIXTURES"] = XnorSpec.Files.Fixtures.Directory,
            });

            var run = CliProcess.Run(start, "train", "--profile", "quick", "--epochs", "1", "--pairs", "20");

            run.ExitCode.Should().Be(1, run.ToString());
            run.Output.Should().BeEmpty("TorchSharp's own load trace is held back");
            run.Errors.Trim().Split('\n').Should().ContainSingle(run.ToString())
                .Which.Should().StartWith("error: Cannot start libtorch.").And.Contain(broken).And.Contain("Fix:");
        }
        finally { Directory.Delete(copy, recursive: true); }
    }

    /// <summary>
    /// The built program in <paramref name="copy"/>: its managed files copied (the host resolves a linked
    /// main assembly back to the original folder), libtorch linked, and libLibTorchSharp.so a text file.
    /// </summary>
    private static string CopyOfTheProgramWithAGarbageLibTorchSharp(string copy)
    {
        var built = Path.GetDirectoryName(CliProcess.Program)!;
        foreach (var file in Directory.GetFiles(built)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        var natives = Path.Combine("runtimes", "linux-x64", "native");
        Directory.CreateDirectory(Path.Combine(copy, natives));
        foreach (var library in Directory.GetFiles(Path.Combine(built, natives)))
            File.CreateSymbolicLink(Path.Combine(copy, natives, Path.GetFileName(library)), library);
        var broken = Path.Combine(copy, natives, TorchSharpLibrary);
        File.Delete(broken);
        File.WriteAllText(broken, "not a shared library\n");
        return broken;
    }

    [Fact]
    public void A_library_the_loader_refuses_is_reported_with_the_loaders_reason()
    {
        using var folder = new TemporaryFolder("xnorspec-garbage-");
        var dir = folder.Location;
        File.WriteAllText(Path.Combine(dir, TorchSharpLibrary), "not a shared library\n");

        var message = NativeBackend.Diagnose(dir);

        message.Should().Contain(TorchSharpLibrary).And.Contain("could not be loaded").And.Contain("Fix:");
    }

    [SkippableFact]
    public void A_library_that_loads_without_libtorch_beside_it_is_reported_with_the_libraries_to_copy()
    {
        var system = FindSystemLibStdCxx();
        Skip.If(system is null, "no system libstdc++.so.6 to stand in for a loadable library");
        using var folder = new TemporaryFolder("xnorspec-loadable-");
        var dir = folder.Location;
        File.Copy(system!, Path.Combine(dir, TorchSharpLibrary));

        var message = NativeBackend.Diagnose(dir);

        message.Should().Contain("loads, but TorchSharp could not initialise libtorch").And.Contain("libtorch_cpu.so");
    }

    [Fact]
    public void Patching_a_file_replaces_it_so_a_hard_linked_original_stays_untouched()
    {
        using var folder = new TemporaryFolder("xnorspec-patchfile-");
        var dir = folder.Location;
        var original = Path.Combine(dir, "cache-copy.so");
        var output = Path.Combine(dir, TorchSharpLibrary);
        File.WriteAllBytes(original, SyntheticElf.Build(OnlyTheMarker));
        link(original, output).Should().Be(0, "the build output's copy starts as a hard link into the package cache");

        PatchFile(output).Should().Be(PatchOutcome.Patched);
        PatchFile(output).Should().Be(PatchOutcome.AlreadyWeak);

        Requirement(File.ReadAllBytes(output), NeededVersion).Should().Be((true, true));
        Requirement(File.ReadAllBytes(original), NeededVersion).Should().Be((true, false), "the cache's copy is never written through");
        Directory.GetFiles(dir).Should().HaveCount(2, "no temporary file is left behind");
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int link(string existing, string created);
}
