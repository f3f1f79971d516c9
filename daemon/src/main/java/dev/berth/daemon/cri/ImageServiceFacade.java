package dev.berth.daemon.cri;

import dev.berth.cri.v1.ImageFsInfoRequest;
import dev.berth.cri.v1.ImageFsInfoResponse;
import dev.berth.cri.v1.ImageServiceGrpc;
import dev.berth.cri.v1.ImageStatusRequest;
import dev.berth.cri.v1.ImageStatusResponse;
import dev.berth.cri.v1.ListImagesRequest;
import dev.berth.cri.v1.ListImagesResponse;
import dev.berth.cri.v1.PullImageRequest;
import dev.berth.cri.v1.PullImageResponse;
import dev.berth.cri.v1.RemoveImageRequest;
import dev.berth.cri.v1.RemoveImageResponse;
import io.grpc.stub.StreamObserver;

/** runtime.v1.ImageService: dispatch only. */
final class ImageServiceFacade extends ImageServiceGrpc.ImageServiceImplBase {
    private final ImageList list;
    private final ImageStatusRpc status;
    private final ImagePull pull;
    private final ImageRemove remove;
    private final ImageFsInfoRpc fsInfo;

    ImageServiceFacade(ImageList list, ImageStatusRpc status, ImagePull pull, ImageRemove remove,
            ImageFsInfoRpc fsInfo) {
        this.list = list;
        this.status = status;
        this.pull = pull;
        this.remove = remove;
        this.fsInfo = fsInfo;
    }

    @Override
    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> response) {
        CriCalls.unary("ListImages", response, () -> list.call(request));
    }

    @Override
    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> response) {
        CriCalls.unary("ImageStatus", response, () -> status.call(request));
    }

    @Override
    public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> response) {
        CriCalls.unary("PullImage", response, () -> pull.call(request));
    }

    @Override
    public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> response) {
        CriCalls.unary("RemoveImage", response, () -> remove.call(request));
    }

    @Override
    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> response) {
        CriCalls.unary("ImageFsInfo", response, () -> fsInfo.call(request));
    }
}
