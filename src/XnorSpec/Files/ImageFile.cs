using SkiaSharp;
using XnorSpec.Data;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>
/// Reads a user's PNG or JPEG into the tensor layout the dataset generates: [3, size, size],
/// float32, RGB values in [0, 1]; or, for a model trained on grey images, into the image's grey
/// values (<see cref="ReadGrey"/>). Decoding is SkiaSharp's; anything we cannot read faithfully
/// (no file, not an image, truncated, transparent; for colour models greyscale or not square; for
/// grey ones colour or another size) is refused with a <see cref="BadFileException"/> before any tensor is made.
/// </summary>
public static class ImageFile
{
    public static Tensor Load(string path, int size, Device? device = null)
    {
        using var bitmap = Decode(path);
        using var resized = bitmap.Width == size ? null : bitmap.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        var pixels = (resized ?? bitmap).GetPixelSpan();
        // RGBA bytes, row by row -> three planes of floats.
        var planes = new float[3 * size * size];
        for (int i = 0; i < size * size; i++)
            for (int c = 0; c < 3; c++)
                planes[c * size * size + i] = pixels[4 * i + c] / 255f;
        return tensor(planes, new long[] { 3, size, size }, dtype: ScalarType.Float32, device: device);
    }

    /// <summary>The solid colour an image tensor shows, or null when it is not solid black or solid white.</summary>
    public static Colour? SolidColourOf(Tensor image)
    {
        using var scope = NewDisposeScope();
        foreach (var colour in Enum.GetValues<Colour>())
            if ((image - colour.PixelValue()).abs().max().item<float>() <= 1f / 255f) return colour;
        return null;
    }

    /// <summary>
    /// The grey values of a greyscale image, uint8 [1, side, side]: a one-channel PNG or JPEG, or an RGB one whose
    /// three channels are equal everywhere. Its side must be <paramref name="datasetSide"/> or <paramref name="modelSize"/>:
    /// another size is refused, not resized, since a resize the dataset never made would change what the model sees.
    /// </summary>
    public static Tensor ReadGrey(string path, int datasetSide, int modelSize) => Read(path, codec =>
    {
        var info = codec.Info;
        if (info.AlphaType != SKAlphaType.Opaque || info.ColorType == SKColorType.Alpha8)
            throw new BadFileException(path, "the image has an alpha channel (transparency)", "Save it without one, as a greyscale PNG.");
        if (info.Width != info.Height || (info.Width != datasetSide && info.Width != modelSize))
            throw new BadFileException(path, $"the image is {info.Width}x{info.Height}, " + (datasetSide == modelSize
                    ? $"not {datasetSide}x{datasetSide}, the size of the dataset's images and of the model's input"
                    : $"neither {datasetSide}x{datasetSide} (the dataset's images) nor {modelSize}x{modelSize} (the model's input)"),
                $"Resize it to {datasetSide}x{datasetSide} yourself: predict resizes only the dataset's size, as training did, never other sizes.");

        var grey = new byte[info.Width * info.Height];
        if (info.ColorType == SKColorType.Gray8) Decode(path, codec, new SKImageInfo(info.Width, info.Height, SKColorType.Gray8, SKAlphaType.Opaque), grey);
        else
        {
            var rgba = new byte[4 * grey.Length];
            Decode(path, codec, new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba);
            for (int i = 0; i < grey.Length; i++)
            {
                var (r, g, b) = (rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
                if (r != g || g != b)
                    throw new BadFileException(path, $"the image has colour: red, green and blue differ at pixel ({i % info.Width}, {i / info.Width}), ({r}, {g}, {b})",
                        "The model was trained on grey images; convert it to greyscale.");
                grey[i] = r;
            }
        }
        return tensor(grey, new long[] { 1, info.Height, info.Width }, dtype: ScalarType.Byte);
    });

    private static void Decode(string path, SKCodec codec, SKImageInfo into, byte[] pixels)
    {
        var decoded = codec.GetPixels(into, pixels);
        if (decoded != SKCodecResult.Success) throw Undecodable(path, decoded);
    }

    private static BadFileException Undecodable(string path, SKCodecResult decoded) => decoded == SKCodecResult.IncompleteInput
        ? new BadFileException(path, "the image is truncated: its data ends early", "Export the image again.")
        : new BadFileException(path, $"the image could not be decoded ({decoded})", "Export the image again as PNG or JPEG.");

    private static SKBitmap Decode(string path) => Read(path, codec =>
    {
        var info = codec.Info;
        if (info.ColorType is SKColorType.Gray8 or SKColorType.Alpha8)
            throw new BadFileException(path, "the image has one channel (greyscale)", "Save it as RGB with three channels.");
        if (info.AlphaType != SKAlphaType.Opaque)
            throw new BadFileException(path, "the image has an alpha channel (RGBA)", "Save it as RGB without transparency.");
        if (info.Width != info.Height)
            throw new BadFileException(path, $"the image is {info.Width}x{info.Height}, not square", "Crop it to a square; the model compares square images.");

        var bitmap = new SKBitmap(new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var decoded = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (decoded != SKCodecResult.Success)
        {
            bitmap.Dispose();
            throw Undecodable(path, decoded);
        }
        return bitmap;
    });

    /// <summary>Opens a PNG or JPEG file's decoder for <paramref name="decode"/>; a missing, empty, truncated or foreign file is refused first.</summary>
    private static T Read<T>(string path, Func<SKCodec, T> decode)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new BadFileException(path, "no such file", "Check the path."); }
        catch (DirectoryNotFoundException) { throw new BadFileException(path, "no such file", "Check the path."); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BadFileException(path, $"cannot be read ({e.Message})", "Check the file's permissions."); }
        if (bytes.Length == 0) throw new BadFileException(path, "the file is empty", "Pass a PNG or JPEG image.");

        using var stream = new SKMemoryStream(bytes);
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec is null)
            throw new BadFileException(path, opened == SKCodecResult.IncompleteInput ? "the image is truncated" : "not a PNG or JPEG image", "Pass a complete PNG or JPEG image.");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
            throw new BadFileException(path, $"a {codec.EncodedFormat} image", "Convert it to PNG or JPEG.");
        return decode(codec);
    }
}
