"""The gateway documentation's own examples (shaojianming/v4-document, api/reserve.md and api/uniformly.md), verbatim.

Both are signed with the public sandbox account A's documented salt, so they can be sent to the simulator as they are.
"""

# POST /v4/payment/prePay: captureDelayHours is the string "0" (the table says int).
PRE_PAY_REQUEST = {
    "accId": "2018092714313010016291",
    "clientId": "2018092714313010016",
    "signType": "SHA256",
    "sign": "28178F3C0B0AF10343F715211B9C7791AB4CF091EB4580505E053318E8F37B85",
    "version": "1.0",
    "bizContent": '{"captureDelayHours":"0","amount":"1000","currency":"USD","merchantTransactionId":"PMT-PR5GFUNZQP1695182276082","payResultUrl":"https://test-acquirerpay.pingpongx.com/qa/result.html","payCancelUrl":"https://test-acquirerpay.pingpongx.com/qa/result.html","shopperIP":"222.126.52.23","customer":{"identificationId":"211","lastName":"LeBronbb","email":"test@pingpongx.com","phone":"9157030054"}}',
}

PRE_PAY_RESPONSE = {
    "accId": "2018092714313010016291",
    "bizContent": '{"amount":"1000","paymentUrl":"https://sandbox-acquirer-payment-ssr.pingpongx.com/v3/checkout?token=EU:vr_YVR8u7rn7C1gG97DOg9_-Y66ubtNtoayJ_wiEEzdCnxCHYIk0pXordJYBjq1g","transactionId":"2023092050004591","token":"EU:vr_YVR8u7rn7C1gG97DOg9_-Y66ubtNtoayJ_wiEEzdCnxCHYIk0pXordJYBjq1g","merchantTransactionId":"PMT-PR5GFUNZQP1695182276082","currency":"USD","innerJsUrl":"https://paycdn.pingpongx.com/production/static/sdk/ppPay.min.js?token=EU:vr_YVR8u7rn7C1gG97DOg9_-Y66ubtNtoayJ_wiEEzdCnxCHYIk0pXordJYBjq1g"}',
    "clientId": "2018092714313010016",
    "code": "000000",
    "description": "Transaction succeeded",
    "sign": "337DE4525BECC73D56E262E04CCCC210C7BA70C78D48DA3BB128E4FEC6D01561",
    "signType": "SHA256",
}

# POST /v4/payment/unifiedPay: amount is the number 100 and goods an object (the table says string and Array);
# the card 5204740000001002 was declined with 301002.
UNIFIED_PAY_REQUEST = {
    "accId": "2018092714313010016291",
    "clientId": "2018092714313010016",
    "signType": "SHA256",
    "sign": "898A3CBE981B3E2BF4E2B8D1A817D7E23EF93BC4293993EE545E36F4C87F2E79",
    "version": "1.0",
    "bizContent": '{"captureDelayHours":0,"merchantSource":"0","amount":100,"currency":"USD","requestId":"PMT-9ICSCWF9H51695189441815","payCancelUrl":"https://test-acquirerpay.pingpongx.com/qa/notify","notificationUrl":"https://test-acquirerpay.pingpongx.com/qa/notify","merchantTransactionId":"PMT-9ICSCWF9H51695189441815","shopperIP":"192.168.1.1","paymentMethod":{"type":"scheme","cardInfo":{"number":"5204740000001002","holderFirstName":"James","holderLastName":"LeBron","expireMonth":"12","expireYear":"2027","cvv":"840"}},"customer":{"email":"pass@pingpongx.com"},"goods":{"name":"zhangsan","unitPrice":"10","number":"1","imgUrl":"https://m.baidu.com/s?word=%E7%99%BE%E5%BA%A6%E7%83%AD%E6%90%9C&tn&from=1020854c&sa=tre_dl_gh_logo_wj"},"billingAddress":{"street":"701 Brickell Avenue, Suite 2700","postcode":"84723","city":"Miami","state":"UT","country":"US"},"browserInfo":{"acceptHeader":"content-type=application/x-www-form-urlencoded;accept=*/*;cache-control=no-cache;postman-token=cf489264-5378-4d5d-a86c-72c86a408c03;accept-encoding=gzip, deflate;content-length=588;connection=keep-alive;","colorDepth":"32","jetLag":"480","screenHeight":"1980","screenWidth":"1080","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/72.0.3626.121 Safari/537.36","windowSize":"05"},"device":{"orderTerminal":"02"}}',  # noqa: E501
}

UNIFIED_PAY_RESPONSE = {
    "accId": "2018092714313010016291",
    "bizContent": '{"requestId":"PMT-9ICSCWF9H51695189441815","merchantTransactionId":"PMT-9ICSCWF9H51695189441815","amount":"100.000000","threeDUnionParams":{"threeDContinue":"false"},"transactionId":"2023092050004595","threeDContinue":"false","paymentMethod":{"type":"scheme"},"captureDelayHours":0,"status":"FAILED"}',  # noqa: E501
    "clientId": "2018092714313010016",
    "code": "301002",
    "description": "Transaction declined (Do not honor,Please contact the issuing bank to confirm the bank card payment limit)",  # noqa: E501
    "sign": "85E02B2A474DA7D135DE844A202015594C874E4A2A06394BA7DF00071FC4A6D1",
    "signType": "SHA256",
}
