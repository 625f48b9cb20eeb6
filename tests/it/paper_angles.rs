//! Pages at any angle: a page of codes, rendered once at 150 dpi (160 if zbar misses one
//! there), turned in steps of 5° through the whole circle (and photographed at a 15°
//! slant), must give every one of its codes at each; and a restore from pages turned and
//! slanted so gives the vault back.

use crate::common::paper::*;
use crate::common::*;
use image::GrayImage;
use keycellar::backup::paper::qr;
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

/// How a page lies before the camera: turned by `degrees` on the table, and the table
/// tilted by `tilt_degrees` away from a camera 1.5 page-heights from its centre.
#[derive(Clone, Copy, Debug)]
struct Pose {
    degrees: f32,
    tilt_degrees: f32,
}

impl Pose {
    /// Where a point of the page (from its centre, in pixels) appears, and back.
    fn forward(self, (x, y): (f32, f32), height: f32) -> (f32, f32) {
        let (sin, cos) = self.degrees.to_radians().sin_cos();
        let (tilt_sin, tilt_cos) = self.tilt_degrees.to_radians().sin_cos();
        let y = y * tilt_cos;
        let (sx, sy) = (x * cos - y * sin, x * sin + y * cos);
        let w = 1.0 + tilt_sin / (1.5 * height) * sy;
        (sx / w, sy / w)
    }

    fn backward(self, (ox, oy): (f32, f32), height: f32) -> (f32, f32) {
        let (sin, cos) = self.degrees.to_radians().sin_cos();
        let (tilt_sin, tilt_cos) = self.tilt_degrees.to_radians().sin_cos();
        let w = 1.0 - tilt_sin / (1.5 * height) * oy;
        let (sx, sy) = (ox / w, oy / w);
        let (x, y) = (sx * cos + sy * sin, -sx * sin + sy * cos);
        (x, y / tilt_cos)
    }
}

/// `page` as photographed in `pose`, on a white ground large enough to hold all of it;
/// each pixel is sampled bilinearly from the page. Along a row of the photograph the
/// perspective divisor is constant, so the page point moves by a fixed step: the test
/// crate is built unoptimised, and a transform per pixel took half this file's time.
fn photograph(page: &GrayImage, pose: Pose) -> GrayImage {
    let (width, height) = (page.width() as f32, page.height() as f32);
    let corners = [(-0.5, -0.5), (0.5, -0.5), (-0.5, 0.5), (0.5, 0.5)]
        .map(|(x, y)| pose.forward((x * width, y * height), height));
    let span = |axis: fn(&(f32, f32)) -> f32| {
        let values = corners.iter().map(axis);
        let (low, high) = values.fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(v), h.max(v)));
        (low, (high - low).ceil() as u32 + 2)
    };
    let ((left, out_w), (top, out_h)) = (span(|c| c.0), span(|c| c.1));
    let (pixels, stride) = (page.as_raw(), page.width() as usize);
    let mut photo = vec![255u8; out_w as usize * out_h as usize];
    for (v, row) in photo.chunks_exact_mut(out_w as usize).enumerate() {
        let oy = v as f32 + top;
        let (x_start, y_start) = pose.backward((left, oy), height);
        let (x_next, y_next) = pose.backward((left + 1.0, oy), height);
        let (step_x, step_y) = (x_next - x_start, y_next - y_start);
        for (u, out) in row.iter_mut().enumerate() {
            let x = x_start + width / 2.0 + step_x * u as f32;
            let y = y_start + height / 2.0 + step_y * u as f32;
            if x >= 0.0 && y >= 0.0 && x < width - 1.0 && y < height - 1.0 {
                let (x0, y0) = (x.floor(), y.floor());
                let (fx, fy) = (x - x0, y - y0);
                let at = y0 as usize * stride + x0 as usize;
                let (a, b) = (f32::from(pixels[at]), f32::from(pixels[at + 1]));
                let (c, d) = (
                    f32::from(pixels[at + stride]),
                    f32::from(pixels[at + stride + 1]),
                );
                let top_mix = a + (b - a) * fx;
                *out = (top_mix + (c + (d - c) * fx - top_mix) * fy).round() as u8;
            }
        }
    }
    GrayImage::from_raw(out_w, out_h, photo).unwrap()
}

/// The fixture's sheet rendered at 150 dpi (160 when zbar misses a code there, as
/// `paper.rs` allows), and the one page of it holding codes with the codes zbarimg reads
/// there: QR codes only, as the printed stock steps ask, since with every decoder on zbar
/// now and then reads a 1D barcode into a page of codes.
fn page_of_codes(p: &Printed) -> (Vec<PathBuf>, GrayImage, BTreeSet<String>) {
    let expected = p.report["codes"].as_u64().unwrap() as usize;
    let mut read_of_each = Vec::new();
    for dpi in [150, 160] {
        let scans = render(&p.pdf, dpi, &p.tv.dir.path().join(format!("r{dpi}")));
        for scan in &scans {
            // zbarimg exits with status 4 on a page without codes.
            let zbar = tool("zbarimg")
                .args(["-q", "--raw", "-Sdisable", "-Sqrcode.enable"])
                .arg(scan)
                .output()
                .unwrap();
            let zbar = String::from_utf8_lossy(&zbar.stdout);
            let codes: BTreeSet<String> = zbar.lines().map(str::to_string).collect();
            if codes.len() == expected {
                let page = image::open(scan).unwrap().to_luma8();
                return (scans.clone(), page, codes);
            }
            read_of_each.push(codes.len());
        }
    }
    panic!("no page of the sheet gives zbarimg its {expected} codes: {read_of_each:?}");
}

/// Every pose is read on the two cores at once; returns the poses that lost a code.
fn poses_missing_codes(page: &GrayImage, codes: &BTreeSet<String>, poses: &[Pose]) -> Vec<String> {
    let check = |pose: &Pose| {
        let read: BTreeSet<String> = qr::read(&photograph(page, *pose)).into_iter().collect();
        let missing = codes.difference(&read).count();
        (missing > 0 || read.len() != codes.len()).then(|| format!("{pose:?}: {missing} missing"))
    };
    let (first, second) = poses.split_at(poses.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| second.iter().filter_map(check).collect::<Vec<_>>());
        let mut failed: Vec<String> = first.iter().filter_map(check).collect();
        failed.extend(other.join().unwrap());
        failed
    })
}

#[test]
fn every_code_of_a_page_reads_at_every_angle_and_at_a_slant() {
    let p = print("a4");
    let (_, page, codes) = page_of_codes(&p);
    let flat: Vec<Pose> = (0..360)
        .step_by(5)
        .map(|d| Pose {
            degrees: d as f32,
            tilt_degrees: 0.0,
        })
        .collect();
    let slanted: Vec<Pose> = (0..360)
        .step_by(15)
        .flat_map(|d| {
            [15.0, -15.0].map(|tilt_degrees| Pose {
                degrees: d as f32,
                tilt_degrees,
            })
        })
        .collect();
    // The photograph really turns and slants the page: its size is the rotated page's.
    let turned = photograph(
        &page,
        Pose {
            degrees: 45.0,
            tilt_degrees: 15.0,
        },
    );
    assert!(
        turned.width() > page.width() + page.height() / 3,
        "{}",
        turned.width()
    );
    let failed = poses_missing_codes(&page, &codes, &[flat, slanted].concat());
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn restore_reads_every_page_turned_and_slanted() {
    let p = print("a4");
    let (scans, _, _) = page_of_codes(&p);
    let dir = p.tv.dir.path().join("photographed");
    fs::create_dir_all(&dir).unwrap();
    let photos: Vec<PathBuf> = scans
        .iter()
        .enumerate()
        .map(|(n, scan)| {
            let pose = Pose {
                degrees: 37.0 + 90.0 * n as f32,
                tilt_degrees: 15.0,
            };
            let photo = dir.join(format!("photo{n}.png"));
            photograph(&image::open(scan).unwrap().to_luma8(), pose)
                .save(&photo)
                .unwrap();
            photo
        })
        .collect();
    let (assert, restored) = restore_new(&p.sheet_pass, &["--image"], &photos, &[]);
    assert.success();
    assert_eq!(contents(&restored).1, FIXTURE_FINGERPRINT);
}
