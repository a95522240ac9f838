// Makes TorchSharp's libLibTorchSharp.so loadable on systems whose libstdc++ predates GCC 13
// (Debian 12, Ubuntu 22.04). The library asks for GLIBCXX_3.4.32 only because GCC 13's <iostream>
// emits a reference to `_ZSt21ios_base_library_initv` as a link-time marker; nothing calls it.
// Marking that one version requirement weak (VER_FLG_WEAK) tells the dynamic loader it may be
// absent. This file is compiled into the core library and, unchanged, into the MSBuild inline task
// in src/build/LibStdCxxCompat.targets, so it must not depend on anything but the BCL.
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace XnorSpec.Runtime
{
    public enum PatchOutcome
    {
        Patched,
        AlreadyWeak,
        NotRequired,
        RefusedOtherSymbolsNeedIt,
        NotElf64,
    }

    public static class LibStdCxxCompat
    {
        public const string TorchSharpLibrary = "libLibTorchSharp.so";
        public const string NeededVersion = "GLIBCXX_3.4.32";
        public const string MarkerSymbol = "_ZSt21ios_base_library_initv";
        public const ushort VerFlagWeak = 0x2;

        const uint ShtDynsym = 11, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;

        static readonly string[] LibStdCxxDirectories =
        {
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib", "/lib",
        };

        /// <summary>The libstdc++.so.6 the dynamic loader would pick from the standard directories, or null.</summary>
        public static string? FindSystemLibStdCxx()
        {
            foreach (var dir in LibStdCxxDirectories)
            {
                var path = Path.Combine(dir, "libstdc++.so.6");
                if (File.Exists(path)) return path;
            }
            return null;
        }

        /// <summary>True when the system libstdc++ defines <paramref name="version"/>; false when it is missing or older.</summary>
        public static bool SystemLibStdCxxDefines(string version)
        {
            var path = FindSystemLibStdCxx();
            return path != null && DefinedVersions(File.ReadAllBytes(path)).Contains(version);
        }

        /// <summary>Names of the symbol versions an ELF shared object defines (.gnu.version_d).</summary>
        public static HashSet<string> DefinedVersions(byte[] elf)
        {
            var names = new HashSet<string>();
            var file = Elf.Parse(elf);
            if (file == null) return names;
            foreach (var section in file.Sections.Where(s => s.Type == ShtGnuVerdef))
            {
                var strings = file.Sections[(int)section.Link];
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    uint aux = file.U32(entry + 12), next = file.U32(entry + 16);
                    names.Add(file.String(strings, file.U32(entry + aux)));
                    if (next == 0) break;
                    entry += next;
                }
            }
            return names;
        }

        /// <summary>Whether the library requires <paramref name="version"/> and, if so, whether that requirement is weak.</summary>
        public static (bool Required, bool Weak) Requirement(byte[] elf, string version)
        {
            var file = Elf.Parse(elf);
            if (file == null) return (false, false);
            foreach (var aux in VersionRequirements(file))
                if (aux.Name == version) return (true, (file.U16(aux.Offset + 4) & VerFlagWeak) != 0);
            return (false, false);
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the requirement of <paramref name="version"/>, in memory. Refuses when any
        /// dynamic symbol other than <paramref name="onlySymbol"/> is bound to that version: then the
        /// library really uses the newer libstdc++ and must not be loaded against an older one.
        /// </summary>
        public static PatchOutcome MakeRequirementWeak(byte[] elf, string version = NeededVersion, string onlySymbol = MarkerSymbol)
        {
            var file = Elf.Parse(elf);
            if (file == null) return PatchOutcome.NotElf64;
            var requirement = VersionRequirements(file).FirstOrDefault(a => a.Name == version);
            if (requirement.Name == null) return PatchOutcome.NotRequired;
            var flags = file.U16(requirement.Offset + 4);
            if ((flags & VerFlagWeak) != 0) return PatchOutcome.AlreadyWeak;

            var index = file.U16(requirement.Offset + 6);
            if (SymbolsBoundTo(file, index).Any(name => name != onlySymbol)) return PatchOutcome.RefusedOtherSymbolsNeedIt;

            var patched = (ushort)(flags | VerFlagWeak);
            elf[requirement.Offset + 4] = (byte)patched;
            elf[requirement.Offset + 5] = (byte)(patched >> 8);
            return PatchOutcome.Patched;
        }

        /// <summary>
        /// Patches a library file in place when needed. Writes a temporary file and renames it over the
        /// original, so a hard link into the NuGet cache is replaced rather than written through.
        /// </summary>
        public static PatchOutcome PatchFile(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var outcome = MakeRequirementWeak(bytes);
            if (outcome != PatchOutcome.Patched) return outcome;
            var temporary = path + ".xnorspec-tmp";
            File.WriteAllBytes(temporary, bytes);
            File.Replace(temporary, path, null);
            return outcome;
        }

        static IEnumerable<(string Name, long Offset)> VersionRequirements(Elf file)
        {
            foreach (var section in file.Sections.Where(s => s.Type == ShtGnuVerneed))
            {
                var strings = file.Sections[(int)section.Link];
                long need = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    ushort count = file.U16(need + 2);
                    long aux = need + file.U32(need + 8);
                    for (int j = 0; j < count; j++)
                    {
                        yield return (file.String(strings, file.U32(aux + 8)), aux);
                        uint nextAux = file.U32(aux + 12);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    uint next = file.U32(need + 12);
                    if (next == 0) break;
                    need += next;
                }
            }
        }

        static IEnumerable<string> SymbolsBoundTo(Elf file, ushort versionIndex)
        {
            var dynsym = file.Sections.FirstOrDefault(s => s.Type == ShtDynsym);
            var versym = file.Sections.FirstOrDefault(s => s.Type == ShtGnuVersym);
            if (dynsym == null || versym == null) yield break;
            var strings = file.Sections[(int)dynsym.Link];
            long count = dynsym.Size / 24;
            for (long i = 0; i < count; i++)
                if ((file.U16(versym.Offset + 2 * i) & 0x7fff) == versionIndex)
                    yield return file.String(strings, file.U32(dynsym.Offset + 24 * i));
        }

        sealed class Section
        {
            public uint Type, Link, Info;
            public long Offset, Size;
        }

        /// <summary>Just enough of a little-endian ELF64 reader for section headers and string tables.</summary>
        sealed class Elf
        {
            readonly byte[] data;
            public readonly List<Section> Sections = new List<Section>();

            Elf(byte[] data) { this.data = data; }

            public static Elf? Parse(byte[] data)
            {
                if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F'
                    || data[4] != 2 || data[5] != 1) return null;
                var elf = new Elf(data);
                long shoff = (long)elf.U64(0x28);
                int shentsize = elf.U16(0x3a), shnum = elf.U16(0x3c);
                if (shentsize < 64 || shoff <= 0 || shoff + (long)shnum * shentsize > data.Length) return null;
                for (int i = 0; i < shnum; i++)
                {
                    long h = shoff + (long)i * shentsize;
                    elf.Sections.Add(new Section
                    {
                        Type = elf.U32(h + 4), Offset = (long)elf.U64(h + 24), Size = (long)elf.U64(h + 32),
                        Link = elf.U32(h + 40), Info = elf.U32(h + 44),
                    });
                }
                return elf;
            }

            public ushort U16(long at) => (ushort)(data[at] | data[at + 1] << 8);
            public uint U32(long at) => (uint)(U16(at) | U16(at + 2) << 16);
            public ulong U64(long at) => U32(at) | (ulong)U32(at + 4) << 32;

            public string String(Section table, uint offset)
            {
                long start = table.Offset + offset, end = start;
                while (end < data.Length && data[end] != 0) end++;
                return Encoding.ASCII.GetString(data, (int)start, (int)(end - start));
            }
        }
    }

#if !XNORSPEC_CORE
    /// <summary>MSBuild task: patches every copy of libLibTorchSharp.so under a build output folder.</summary>
    public sealed class PatchLibTorchSharpForOldLibStdCxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string OutputDirectory { get; set; } = "";

        public override bool Execute()
        {
            if (!Directory.Exists(OutputDirectory)) return true;
            var libraries = Directory.GetFiles(OutputDirectory, LibStdCxxCompat.TorchSharpLibrary, SearchOption.AllDirectories);
            if (libraries.Length == 0) return true;
            if (LibStdCxxCompat.FindSystemLibStdCxx() == null || LibStdCxxCompat.SystemLibStdCxxDefines(LibStdCxxCompat.NeededVersion))
            {
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, "XnorSpec: system libstdc++ has " + LibStdCxxCompat.NeededVersion + "; TorchSharp left unchanged.");
                return true;
            }
            foreach (var library in libraries)
            {
                var outcome = LibStdCxxCompat.PatchFile(library);
                if (outcome == PatchOutcome.RefusedOtherSymbolsNeedIt)
                    Log.LogWarning("XnorSpec: " + library + " uses more than the marker symbol from " + LibStdCxxCompat.NeededVersion
                        + "; not patched. Install a libstdc++ from GCC 13 or newer to load it.");
                else if (outcome == PatchOutcome.Patched)
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "XnorSpec: marked " + LibStdCxxCompat.NeededVersion + " weak in " + library
                        + " (system libstdc++ lacks it; only the link-time marker needs it).");
            }
            return true;
        }
    }
#endif
}
