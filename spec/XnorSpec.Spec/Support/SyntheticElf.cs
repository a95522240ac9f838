using System.Text;

namespace XnorSpec.Spec.Support;

/// <summary>
/// Builds a tiny little-endian ELF64 shared object with just the sections the version patch reads:
/// .dynstr, .gnu.version_r (one needed file, libstdc++.so.6, with GLIBCXX_3.4 and GLIBCXX_3.4.32),
/// .dynsym and .gnu.version binding each symbol to one of those versions.
/// </summary>
public static class SyntheticElf
{
    public const ushort Glibcxx34Index = 2, Glibcxx3432Index = 3;

    /// <param name="symbols">Dynamic symbols and the version index each is bound to.</param>
    /// <param name="definedVersions">Versions the object defines itself (.gnu.version_d), as libstdc++ does.</param>
    public static byte[] Build((string Name, ushort Version)[] symbols, string[]? definedVersions = null)
    {
        definedVersions ??= Array.Empty<string>();
        var strings = new MemoryStream();
        strings.WriteByte(0);
        uint Str(string s) { var at = (uint)strings.Length; var b = Encoding.ASCII.GetBytes(s); strings.Write(b); strings.WriteByte(0); return at; }
        uint file = Str("libstdc++.so.6"), v34 = Str("GLIBCXX_3.4"), v3432 = Str("GLIBCXX_3.4.32");
        var symbolNames = symbols.Select(s => Str(s.Name)).ToArray();
        var definedNames = definedVersions.Select(Str).ToArray();
        var dynstr = strings.ToArray();

        var verneed = new Writer();
        verneed.U16(1).U16(2).U32(file).U32(16).U32(0);              // Verneed: version, aux count, file, aux offset, next
        verneed.U32(0x0a).U16(0).U16(Glibcxx34Index).U32(v34).U32(16); // Vernaux: hash, flags, other, name, next
        verneed.U32(0x0b).U16(0).U16(Glibcxx3432Index).U32(v3432).U32(0);

        var verdef = new Writer();
        for (int i = 0; i < definedNames.Length; i++)                  // Verdef + one Verdaux each
            verdef.U16(1).U16(0).U16((ushort)(i + 1)).U16(1).U32(0).U32(20).U32(i == definedNames.Length - 1 ? 0u : 28u).U32(definedNames[i]).U32(0);

        var dynsym = new Writer();
        dynsym.Zeros(24);
        foreach (var name in symbolNames) dynsym.U32(name).Zeros(20);
        var versym = new Writer();
        versym.U16(0);
        foreach (var s in symbols) versym.U16(s.Version);

        // Layout: header, then each section's bytes, then the section header table.
        var sections = new List<(uint Type, byte[] Data, uint Link, uint Info)>
        {
            (0, Array.Empty<byte>(), 0, 0),
            (3, dynstr, 0, 0),
            (0x6ffffffe, verneed.Bytes, 1, 1),
            (11, dynsym.Bytes, 1, 1),
            (0x6fffffff, versym.Bytes, 3, 0),
        };
        if (definedNames.Length > 0) sections.Add((0x6ffffffd, verdef.Bytes, 1, (uint)definedNames.Length));

        var body = new Writer();
        body.Zeros(64);
        var offsets = new List<long>();
        foreach (var s in sections) { offsets.Add(body.Length); body.Raw(s.Data); body.Zeros((int)((8 - body.Length % 8) % 8)); }
        long shoff = body.Length;
        for (int i = 0; i < sections.Count; i++)
        {
            var s = sections[i];
            body.U32(0).U32(s.Type).U64(0).U64(0).U64((ulong)(i == 0 ? 0 : offsets[i])).U64((ulong)s.Data.Length)
                .U32(s.Link).U32(s.Info).U64(8).U64(s.Type == 11 ? 24u : 0u);
        }
        var bytes = body.Bytes;
        new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1 }.CopyTo(bytes, 0);
        BitConverter.GetBytes((ushort)3).CopyTo(bytes, 0x10);              // ET_DYN
        BitConverter.GetBytes((ushort)62).CopyTo(bytes, 0x12);             // x86-64
        BitConverter.GetBytes((ulong)shoff).CopyTo(bytes, 0x28);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x34);
        BitConverter.GetBytes((ushort)64).CopyTo(bytes, 0x3a);
        BitConverter.GetBytes((ushort)sections.Count).CopyTo(bytes, 0x3c);
        return bytes;
    }

    private sealed class Writer
    {
        private readonly MemoryStream stream = new();
        public long Length => stream.Length;
        public byte[] Bytes => stream.ToArray();
        public Writer U16(ushort v) { stream.Write(BitConverter.GetBytes(v)); return this; }
        public Writer U32(uint v) { stream.Write(BitConverter.GetBytes(v)); return this; }
        public Writer U64(ulong v) { stream.Write(BitConverter.GetBytes(v)); return this; }
        public Writer Zeros(int n) { stream.Write(new byte[n]); return this; }
        public Writer Raw(byte[] b) { stream.Write(b); return this; }
    }
}
