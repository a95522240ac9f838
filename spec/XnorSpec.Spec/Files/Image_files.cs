using FluentAssertions;
using SkiaSharp;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace XnorSpec.Spec.Files;

/// <summary>
/// Claim: an image file of a solid colour becomes exactly the tensor the dataset generates for that
/// colour, and every file we cannot read faithfully is refused with a message naming the file, the
/// problem and the fix (fixtures/images, made by make_images.py).
/// </summary>
public class Image_files
{
    public Image_files() => NativeBackend.EnsureLoaded();

    private static string Image(string name) => Fixtures.Path("images", name);

    [Theory]
    [InlineData("black.png", Colour.Black, 128)]
    [InlineData("white.png", Colour.White, 128)]
    [InlineData("black.png", Colour.Black, 32)]
    [InlineData("white.png", Colour.White, 32)]
    [InlineData("black-64.png", Colour.Black, 128)]
    public void A_solid_image_file_loads_as_exactly_the_image_the_dataset_generates(string file, Colour colour, int size)
    {
        using var scope = NewDisposeScope();
        var loaded = ImageFile.Load(Image(file), size);

        loaded.shape.Should().Equal(3, size, size);
        loaded.dtype.Should().Be(ScalarType.Float32);
        loaded.allclose(SolidImages.Image(colour, size), rtol: 0, atol: 0).Should().BeTrue();
        ImageFile.SolidColourOf(loaded).Should().Be(colour);
    }

    [Fact]
    public void A_JPEG_of_a_solid_colour_loads_as_that_colour()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Path.GetTempPath(), $"xnorspec-white-{Guid.NewGuid():N}.jpg");
        try
        {
            using (var bitmap = new SKBitmap(128, 128, SKColorType.Rgba8888, SKAlphaType.Opaque))
            {
                bitmap.Erase(SKColors.White);
                using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 95);
                File.WriteAllBytes(path, data.ToArray());
            }
            ImageFile.SolidColourOf(ImageFile.Load(path, 64)).Should().Be(Colour.White);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_grey_image_loads_but_is_recognised_as_neither_black_nor_white()
    {
        using var scope = NewDisposeScope();
        ImageFile.SolidColourOf(ImageFile.Load(Image("grey.png"), 32)).Should().BeNull();
    }

    [Theory]
    [InlineData("does-not-exist.png", "no such file")]
    [InlineData("empty.png", "empty")]
    [InlineData("not-an-image.png", "not a PNG or JPEG")]
    [InlineData("truncated.png", "truncated")]
    [InlineData("one-channel.png", "one channel")]
    [InlineData("rgba.png", "alpha channel")]
    [InlineData("wrong-size.png", "128x64, not square")]
    public void Every_unusable_image_file_is_refused_with_its_name_and_its_problem(string file, string problem)
    {
        var load = () => ImageFile.Load(Image(file), 32);

        var error = load.Should().Throw<BadFileException>().Which;
        error.Message.Should().StartWith(Image(file)).And.Contain(problem);
        error.FilePath.Should().Be(Image(file));
    }
}
