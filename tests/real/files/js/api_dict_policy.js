// 获取货主类型
export function DicShippertype() {
  return fetch.get('/' + baseurl_two + '/sysDict/getSysDictByCodeGet/AF00101')
    }
/**
 * 获取图片上传的policy
 * callback
 *"data": {
        "accessid": "LTAISi6lPCRyZR5W",
        "policy": "eyJleHBpcmF0aW9uIjoiMjAxOC0wNS0yMlQxNjowNTowMC4yNThaIiwiY29uZGl0aW9ucyI6W1siY29udGVudC1sZW5ndGgtcmFuZ2UiLDAsMTA0ODU3NjAwMF0sWyJzdGFydHMtd2l0aCIsIiRrZXkiLCJ0bXMvIl1dfQ==",
        "signature": "EW2YwKP5CkTmTo5fypY72F6xDzB=",
        "dir": "tms/",
